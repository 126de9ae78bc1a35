// safetensors writer (header JSON + aligned contiguous data, atomic) and validating reader.
#include "tensor/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <set>

#include "tensor/checked_size.h"
#include "tensor/creation.h"
#include "tensor/io/file.h"
#include "tensor/io/json.h"

namespace nash {

static_assert(std::endian::native == std::endian::little,
              "safetensors I/O assumes a little-endian host");

namespace {

const char* st_dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
  }
  return "?";
}

bool st_parse_dtype(const std::string& s, DType& out) {
  if (s == "F32") return out = DType::Float32, true;
  if (s == "F64") return out = DType::Float64, true;
  if (s == "I64") return out = DType::Int64, true;
  return false;
}

// dtypes the format defines that nash has no counterpart for.
bool st_known_dtype(const std::string& s) {
  static const std::set<std::string> known = {
      "BOOL", "U8",  "I8",   "I16",     "U16",     "F16",      "BF16",     "I32",
      "U32",  "U64", "C64",  "F8_E5M2", "F8_E4M3", "F8_E8M0",  "E8M0",     "F4",
      "F6_E2M3", "F6_E3M2"};
  return known.count(s) != 0;
}

void put_u64_le(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_u64_le(const unsigned char* src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(src[i]) << (8 * i);
  return v;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

}  // namespace

const Tensor& SafetensorsFile::get(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  std::string have;
  for (size_t i = 0; i < tensors.size() && i < 20; ++i)
    have += (i ? ", " : "") + tensors[i].first;
  if (tensors.size() > 20) have += ", ...";
  fail("SafetensorsFile::get: no tensor named '", name, "' (the file has ", tensors.size(),
       " tensors: ", have, ")");
}

bool SafetensorsFile::contains(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return true;
  return false;
}

// ---- save ----------------------------------------------------------------------------------------

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    NASH_CHECK(!name.empty(), "save_safetensors: ", path, ": empty tensor name");
    NASH_CHECK(name != "__metadata__", "save_safetensors: ", path,
               ": '__metadata__' is reserved and cannot name a tensor");
    NASH_CHECK(names.insert(name).second, "save_safetensors: ", path,
               ": duplicate tensor name '", name, "'");
    NASH_CHECK(t.defined(), "save_safetensors: ", path, ": tensor '", name, "' is undefined");
  }

  // Data order: larger elements first (stable), so with no padding every begin is a multiple
  // of its element size; the header keeps the caller's order.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dtype_size(tensors[a].second.dtype()) > dtype_size(tensors[b].second.dtype());
  });
  std::vector<uint64_t> begin(tensors.size()), nbytes(tensors.size());
  uint64_t offset = 0;
  for (size_t i : order) {
    const Tensor& t = tensors[i].second;
    begin[i] = offset;
    nbytes[i] = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    offset += nbytes[i];
  }

  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    Json shape = Json::array();
    for (int64_t s : t.shape()) shape.push_back(s);
    Json info = Json::object();
    info["dtype"] = st_dtype_name(t.dtype());
    info["shape"] = std::move(shape);
    info["data_offsets"] = Json::array({Json(begin[i]), Json(begin[i] + nbytes[i])});
    header[name] = std::move(info);
  }
  std::string text = to_json(header);
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned

  char len[8];
  put_u64_le(len, text.size());
  AtomicWriter out(path);
  out.write(len, 8);
  out.write(text);
  for (size_t i : order) {
    if (nbytes[i] == 0) continue;
    Tensor c = tensors[i].second.contiguous();
    out.write(c.raw_data(), nbytes[i]);
  }
  out.commit();
}

// ---- load ----------------------------------------------------------------------------------------

SafetensorsFile load_safetensors(const std::string& path) {
  InputFile in(path);
  auto bad = [&](const auto&... what) -> void { fail("load_safetensors: ", path, ": ", what...); };

  if (in.size() < 8)
    bad("file is ", in.size(), " bytes, shorter than the 8-byte header length");
  unsigned char len_bytes[8];
  in.read_exact(len_bytes, 8, "the header length");
  uint64_t header_len = get_u64_le(len_bytes);
  if (header_len > kSafetensorsMaxHeaderBytes)
    bad("header length ", header_len, " exceeds the limit of ", kSafetensorsMaxHeaderBytes);
  if (header_len > in.size() - 8)
    bad("header length ", header_len, " is larger than the rest of the file (", in.size() - 8,
        " bytes)");
  std::string text(static_cast<size_t>(header_len), '\0');
  in.read_exact(text.data(), header_len, "the header");
  const uint64_t data_start = 8 + header_len;
  const uint64_t buffer_len = in.size() - data_start;

  Json header;
  try {
    header = parse_json(text, JsonLimits{static_cast<size_t>(kSafetensorsMaxHeaderBytes), 16});
  } catch (const Error& e) {
    bad("invalid header JSON: ", e.what());
  }
  if (!header.is_object()) bad("header must be a JSON object, got ", header.type_name());

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) bad("__metadata__ must be an object, got ", info.type_name());
      for (const auto& [k, v] : info.items()) {
        if (!v.is_string())
          bad("__metadata__ value for '", k, "' must be a string, got ", v.type_name());
        file.metadata[k] = v.as_string();
      }
      continue;
    }
    if (!info.is_object()) bad("tensor '", name, "': entry must be an object, got ", info.type_name());
    const Json* dtype = info.find("dtype");
    const Json* shape = info.find("shape");
    const Json* offsets = info.find("data_offsets");
    if (!dtype) bad("tensor '", name, "': missing field \"dtype\"");
    if (!shape) bad("tensor '", name, "': missing field \"shape\"");
    if (!offsets) bad("tensor '", name, "': missing field \"data_offsets\"");
    if (!dtype->is_string()) bad("tensor '", name, "': \"dtype\" must be a string");
    Entry e;
    e.name = name;
    const std::string& ds = dtype->as_string();
    if (!st_parse_dtype(ds, e.dtype)) {
      if (st_known_dtype(ds))
        bad("tensor '", name, "': unsupported dtype ", ds, " (nash reads F32, F64 and I64)");
      bad("tensor '", name, "': unknown dtype \"", ds, "\"");
    }
    if (!shape->is_array()) bad("tensor '", name, "': \"shape\" must be an array");
    for (const Json& s : shape->as_array()) {
      if (!s.is_int64()) bad("tensor '", name, "': shape entries must be integers, got ", to_json(s));
      e.shape.push_back(s.as_int64());
    }
    const uint64_t expected =
        checked_nbytes(e.shape, dtype_size(e.dtype),
                       "load_safetensors: " + path + ": tensor '" + name + "': \"shape\"");
    if (!offsets->is_array() || offsets->size() != 2 || !offsets->as_array()[0].is_int64() ||
        !offsets->as_array()[1].is_int64())
      bad("tensor '", name, "': \"data_offsets\" must be [begin, end] integers, got ",
          to_json(*offsets));
    int64_t b = offsets->as_array()[0].as_int64(), en = offsets->as_array()[1].as_int64();
    if (b < 0 || en < b)
      bad("tensor '", name, "': invalid data_offsets [", b, ", ", en, "]");
    e.begin = static_cast<uint64_t>(b);
    e.end = static_cast<uint64_t>(en);
    if (e.end - e.begin != expected)
      bad("tensor '", name, "': data_offsets [", b, ", ", en, "] span ", e.end - e.begin,
          " bytes, but ", ds, " ", shape_str(e.shape), " needs ", expected);
    if (e.end > buffer_len)
      bad("tensor '", name, "': data_offsets [", b, ", ", en, "] exceed the data buffer (",
          buffer_len, " bytes)");
    entries.push_back(std::move(e));
  }

  // The tensors must tile the buffer exactly: sorted by begin, each starts where the last ended.
  std::vector<const Entry*> sorted;
  for (const Entry& e : entries) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  uint64_t cursor = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : sorted) {
    if (e->begin < cursor)
      bad("tensor '", e->name, "' data_offsets [", e->begin, ", ", e->end, "] overlap tensor '",
          prev->name, "' [", prev->begin, ", ", prev->end, "]");
    if (e->begin > cursor)
      bad("bytes [", cursor, ", ", e->begin, ") of the data buffer belong to no tensor (before '",
          e->name, "')");
    cursor = e->end;
    prev = e;
  }
  if (cursor != buffer_len)
    bad("the data buffer is ", buffer_len, " bytes but the tensors cover only ", cursor);

  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    if (e.end > e.begin) {
      in.seek(data_start + e.begin);
      in.read_exact(t.raw_data(), e.end - e.begin, e.name.c_str());
    }
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

}  // namespace nash
