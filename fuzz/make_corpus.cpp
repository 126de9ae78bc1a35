// Writes the fuzzers' seed corpus: small valid files of every format, made by nash's own writers
// (save_safetensors, save_npy, to_json) or, for IDX, which nash only reads, in the MNIST layout.
// Deterministic, so regenerating gives the committed bytes.
//
//   build-fuzz/fuzz/fuzz_make_corpus fuzz/corpus     # what scripts/fuzz.sh --make-corpus runs
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tensor/creation.h"
#include "tensor/io/file.h"
#include "tensor/io/json.h"
#include "tensor/io/npy.h"
#include "tensor/io/safetensors.h"
#include "tensor/random.h"

using namespace nash;
namespace fs = std::filesystem;

namespace {

std::string idx(const std::vector<uint32_t>& dims, uint32_t seed) {
  std::string s = {0, 0, 0x08, static_cast<char>(dims.size())};
  uint64_t n = 1;
  for (uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) s += static_cast<char>((d >> shift) & 0xFF);
    n *= d;
  }
  for (uint64_t i = 0; i < n; ++i) s += static_cast<char>((i * 37 + seed) % (dims.size() == 1 ? 10 : 256));
  return s;
}

void put_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb9");
  if (!f || gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) != int(bytes.size()) ||
      gzclose(f) != Z_OK)
    fail("make_corpus: cannot write ", path);
}

void write_safetensors(const std::string& dir) {
  Rng rng(1);
  save_safetensors(dir + "/one_f32.safetensors", {{"w", normal({2, 3}, 0, 1, rng)}});
  save_safetensors(dir + "/mixed.safetensors",
                   {{"weight", normal({3, 2}, 0, 1, rng).to(DType::Float64)},
                    {"steps", from_vector(std::vector<int64_t>{1, -2, 300}, {3})},
                    {"scale", scalar_tensor(0.5)},
                    {"empty", zeros({0, 4})}},
                   {{"step", "10"}, {"format", "nash"}});
  // What a training checkpoint looks like: prefixed names, metadata strings.
  save_safetensors(dir + "/checkpoint.safetensors",
                   {{"generator.fc1.weight", normal({4, 2}, 0, 0.1, rng)},
                    {"generator.fc1.bias", zeros({4})},
                    {"discriminator.fc1.weight", normal({1, 4}, 0, 0.1, rng)},
                    {"optimizer.step", from_vector(std::vector<int64_t>{7}, {1})}},
                   {{"step", "7"}, {"epoch", "0 3"}, {"config", R"({"seed":5})"}});
}

void write_npy(const std::string& dir) {
  Rng rng(2);
  save_npy(dir + "/f4_2x3.npy", normal({2, 3}, 0, 1, rng));
  save_npy(dir + "/f8_4.npy", normal({4}, 0, 1, rng).to(DType::Float64));
  save_npy(dir + "/i8_scalar.npy", scalar_tensor(42, DType::Int64));
  save_npy(dir + "/f4_empty.npy", zeros({0, 3}));
  save_npy(dir + "/f4_2x1x2.npy", arange(4).reshape({2, 1, 2}));
  // numpy's Fortran-order header over the same bytes (nash reads it, writes C order only).
  std::string c_order = read_file(dir + "/f4_2x3.npy");
  const size_t at = c_order.find("False");
  write_file_atomic(dir + "/f4_2x3_fortran.npy", c_order.replace(at, 5, "True "));
}

void write_idx(const std::string& idx_dir, const std::string& gzip_dir) {
  const std::pair<const char*, std::string> files[] = {
      {"labels-5", idx({5}, 3)},
      {"images-3x4x4", idx({3, 4, 4}, 1)},
      {"images-2x28x28", idx({2, 28, 28}, 7)},
      {"cube-2x2x2x2", idx({2, 2, 2, 2}, 5)},
  };
  for (const auto& [name, bytes] : files) {
    write_file_atomic(idx_dir + "/" + name + ".idx", bytes);
    put_gz(idx_dir + "/" + name + ".idx.gz", bytes);
    write_file_atomic(gzip_dir + "/" + name + ".idx", bytes);  // fuzz_idx_gzip compresses them
  }
}

void write_json(const std::string& dir) {
  Json config = Json::object();
  config["data"] = "ring";
  config["model"] = "wgan-gp";
  config["seed"] = uint64_t{18446744073709551615u};
  Json train = Json::object();
  train["steps"] = 25000;
  train["batch"] = 64;
  train["lr_d"] = 1e-4;
  train["beta1"] = 0.5;
  train["decay_start"] = 0.5;
  train["clip"] = -0.01;
  config["train"] = train;
  config["hidden"] = Json::array({128, 128, 128});
  config["notes"] = "caf\u00e9 \"quoted\" \\ tab\t newline\n \U0001F600";
  config["resume"] = nullptr;
  config["ema"] = false;
  write_file_atomic(dir + "/config.json", to_json(config, 2));
  write_file_atomic(dir + "/config_compact.json", to_json(config));
  // A safetensors header as nash writes it.
  const std::string st = read_file(dir + "/../safetensors/mixed.safetensors");
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= uint64_t{static_cast<unsigned char>(st[i])} << (8 * i);
  write_file_atomic(dir + "/safetensors_header.json", st.substr(8, len));
  write_file_atomic(dir + "/numbers.json",
                    "[0, -0, 1.5e-3, -2E+10, 9223372036854775807, -9223372036854775808, "
                    "18446744073709551616, 1e300, 0.1, \"12\", \"-7\"]");
  write_file_atomic(dir + "/escapes.json", R"({"a\u00e9\ud83d\ude00": [true, false, null, {}, []]})");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc != 2) fail("usage: fuzz_make_corpus <corpus directory>");
    const std::string root = argv[1];
    for (const char* t : {"safetensors", "npy", "idx", "idx_gzip", "json"})
      fs::create_directories(root + "/" + t);
    write_safetensors(root + "/safetensors");
    write_npy(root + "/npy");
    write_idx(root + "/idx", root + "/idx_gzip");
    write_json(root + "/json");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
