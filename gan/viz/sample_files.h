// Writing generated samples in the formats `nash train` and `nash sample` produce:
//   PNG  images: a grid ([-1, 1] -> [0, 255])
//   SVG  a chart with title and axes: toy data over real samples (1-D histogram, 2-D scatter);
//        images: the grid with its rows labelled by class (conditional runs)
//   NPY  float32 [n, ...] as numpy.load reads it
//   CSV  one sample per row: "x" / "x,y" for toy data, "label,p0,...,p<D-1>" or "p0,..." images
// Every file is written to a temporary name and renamed, so none is ever left half-written.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gan/run_config.h"
#include "tensor/tensor.h"

namespace nash::gan::viz {

// per_row: images per grid row (0: a square-ish grid). Toy data is plotted as SVG only.
void write_samples_png(const std::string& path, const gan::RunConfig& config, const Tensor& samples,
                       int64_t per_row = 0);
// title: the chart's title (the run and step). Conditional image runs label each row of
// per_row samples with its class.
void write_samples_svg(const std::string& path, const gan::RunConfig& config, const Tensor& samples,
                       int64_t per_row, const std::string& title);
// The class names of a data set (Fashion-MNIST's, else "class 0", "class 1", ...).
std::vector<std::string> class_names(const gan::RunConfig& config);
void write_samples_npy(const std::string& path, const Tensor& samples);
// labels [n] int64 or undefined.
void write_samples_csv(const std::string& path, const gan::RunConfig& config, const Tensor& samples,
                       const Tensor& labels);

// The output format from a file name: "png", "svg", "npy" or "csv"; throws nash::Error otherwise.
std::string output_format(const std::string& path);

}  // namespace nash::gan::viz
