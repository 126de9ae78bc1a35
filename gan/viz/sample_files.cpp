// Sample files (see sample_files.h).
#include "gan/viz/sample_files.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "gan/viz/charts.h"
#include "gan/data/toy.h"
#include "tensor/io/file.h"
#include "tensor/io/npy.h"
#include "tensor/io/png.h"

namespace nash::gan::viz {

std::string output_format(const std::string& path) {
  auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  NASH_CHECK(ext == "png" || ext == "svg" || ext == "npy" || ext == "csv", "--out ", path,
             ": the file name must end in .png, .svg, .npy or .csv");
  return ext;
}

void write_samples_png(const std::string& path, const gan::RunConfig& c, const Tensor& samples,
                       int64_t per_row) {
  NASH_CHECK(!c.toy(), path, ": toy data is plotted as a chart with axes: write FILE.svg (or the",
             " samples as .npy or .csv)");
  const int64_t n = samples.size(0);
  if (per_row <= 0) per_row = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  write_image_grid(path, samples, per_row);
}

std::vector<std::string> class_names(const gan::RunConfig& c) {
  if (c.data == "fashion-mnist")
    return {"T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"};
  std::vector<std::string> names;
  for (int64_t k = 0; k < c.num_classes; ++k) names.push_back("class " + std::to_string(k));
  return names;
}

void write_samples_svg(const std::string& path, const gan::RunConfig& c, const Tensor& samples,
                       int64_t per_row, const std::string& title) {
  if (c.toy()) {
    write_file_atomic(path, toy_svg(samples, c.data, title));
    return;
  }
  const int64_t n = samples.size(0);
  const bool by_class = c.conditional() && per_row > 0;
  if (per_row <= 0) per_row = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  write_file_atomic(path, grid_svg(samples, per_row, by_class ? class_names(c) : std::vector<std::string>{},
                                   title + (by_class ? " (one class per row)" : "")));
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

}  // namespace nash::gan::viz
