// Writing generated samples in the formats `nash train` and `nash sample` produce:
//   PNG  images: a grid ([-1, 1] -> [0, 255]); 1-D toy data: a histogram; 2-D: a scatter plot
//   NPY  float32 [n, ...] as numpy.load reads it
//   CSV  one sample per row: "x" / "x,y" for toy data, "label,p0,...,p<D-1>" or "p0,..." images
// Every file is written to a temporary name and renamed, so none is ever left half-written.
#pragma once
#include <cstdint>
#include <string>

#include "gan/run_config.h"
#include "tensor/tensor.h"

namespace nash::cli {

// per_row: images per grid row (0: a square-ish grid). Ignored for toy data.
void write_samples_png(const std::string& path, const gan::RunConfig& config, const Tensor& samples,
                       int64_t per_row = 0);
void write_samples_npy(const std::string& path, const Tensor& samples);
// labels [n] int64 or undefined.
void write_samples_csv(const std::string& path, const gan::RunConfig& config, const Tensor& samples,
                       const Tensor& labels);

// The output format from a file name: "png", "npy" or "csv"; throws nash::Error otherwise.
std::string output_format(const std::string& path);

}  // namespace nash::cli
