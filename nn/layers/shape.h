// Flatten and Unflatten: PyTorch's reshaping layers (views when the strides allow).
//   Flatten(start_dim = 1, end_dim = -1):  [N, C, H, W] -> [N, C*H*W]
//   Unflatten(dim, sizes):                  [N, 3136] with (1, {64, 7, 7}) -> [N, 64, 7, 7]
#pragma once
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace nash::nn {

class Flatten : public Module {
 public:
  int64_t start_dim, end_dim;
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "start_dim=1, end_dim=-1"
};

class Unflatten : public Module {
 public:
  int64_t dim;
  Shape unflattened_size;  // one entry may be -1 (inferred)
  Unflatten(int64_t dim, Shape unflattened_size);
  Variable forward(const Variable& x) override;
  std::string extra_repr() const override;  // "dim=1, unflattened_size=[64, 7, 7]"
};

}  // namespace nash::nn
