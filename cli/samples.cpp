// Sample files (see samples.h).
#include "cli/samples.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "cli/plot.h"
#include "gan/data/toy.h"
#include "tensor/io/file.h"
#include "tensor/io/npy.h"
#include "tensor/io/png.h"

namespace nash::cli {

std::string output_format(const std::string& path) {
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  NASH_CHECK(ext == "png" || ext == "npy" || ext == "csv", "--out ", path,
             ": the file name must end in .png, .npy or .csv");
  return ext;
}

void write_samples_png(const std::string& path, const gan::RunConfig& c, const Tensor& samples,
                       int64_t per_row) {
  if (c.toy()) {
    gan::ToyData data(c.data);
    if (data.dim() == 1) write_histogram_png(path, samples, gan::kGaussianMean, gan::kGaussianStd);
    else write_scatter_png(path, samples, data.mixture());
    return;
  }
  const int64_t n = samples.size(0);
  if (per_row <= 0) per_row = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  write_image_grid(path, samples, per_row);
}

void write_samples_npy(const std::string& path, const Tensor& samples) {
  save_npy(path, samples.to(DType::Float32).contiguous());
}

void write_samples_csv(const std::string& path, const gan::RunConfig& c, const Tensor& samples,
                       const Tensor& labels) {
  const int64_t n = samples.size(0), d = n ? samples.numel() / n : 0;
  std::vector<float> v = samples.to(DType::Float32).contiguous().values<float>();
  std::vector<int64_t> l = labels.defined() ? labels.contiguous().values<int64_t>() : std::vector<int64_t>();
  std::string out;
  out.reserve(static_cast<size_t>(n * d * 10 + 64));
  if (c.toy()) {
    out += d == 1 ? "x\n" : "x,y\n";
  } else {
    if (!l.empty()) out += "label,";
    for (int64_t j = 0; j < d; ++j) out += (j ? ",p" : "p") + std::to_string(j);
    out += "\n";
  }
  char buf[32];
  for (int64_t i = 0; i < n; ++i) {
    if (!l.empty()) out += std::to_string(l[static_cast<size_t>(i)]) + ",";
    for (int64_t j = 0; j < d; ++j) {
      std::snprintf(buf, sizeof buf, j ? ",%.7g" : "%.7g", v[static_cast<size_t>(i * d + j)]);
      out += buf;
    }
    out += "\n";
  }
  write_file_atomic(path, out);
}

}  // namespace nash::cli
