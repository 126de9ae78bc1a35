// Printing follows PyTorch's layout, with shape and dtype appended.
#include <catch2/catch.hpp>

#include <sstream>

#include "tensor/ops.h"

using namespace nash;

TEST_CASE("printing matches PyTorch's layout", "[tensor]") {
  CHECK(to_string(arange(4).reshape({2, 2}) + 1.0) ==
        "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float32)");
  CHECK(to_string(tensor({-1.5, 10})) == "tensor([-1.5000, 10.0000], shape=[2], dtype=float32)");
  CHECK(to_string(scalar_tensor(3.25, DType::Float64)) == "tensor(3.2500, shape=[], dtype=float64)");
  CHECK(to_string(arange(3, DType::Int64)) == "tensor([0, 1, 2], shape=[3], dtype=int64)");
  CHECK(to_string(zeros({0, 3})) == "tensor([], shape=[0, 3], dtype=float32)");
  CHECK(to_string(Tensor()) == "tensor(undefined)");
  CHECK(to_string(tensor({1e-5, 1})) == "tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float32)");
  CHECK(to_string(tensor({INFINITY, -1, NAN})) == "tensor([    inf, -1.0000,     nan], shape=[3], dtype=float32)");
  CHECK(to_string(arange(8, DType::Int64).reshape({2, 2, 2})) ==
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], shape=[2, 2, 2], dtype=int64)");
  // Transposed views print in logical order.
  CHECK(to_string(arange(4, DType::Int64).reshape({2, 2}).t()) ==
        "tensor([[0, 2],\n        [1, 3]], shape=[2, 2], dtype=int64)");
  std::ostringstream os;
  os << tensor({1});
  CHECK(os.str() == "tensor([1.0000], shape=[1], dtype=float32)");
}

TEST_CASE("printing elides the middle past 1000 elements", "[tensor]") {
  CHECK(to_string(arange(2000, DType::Int64)) ==
        "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int64)");
  CHECK(to_string(arange(1000, DType::Int64).reshape({10, 100})).find("...") == std::string::npos);
  const std::string s = to_string(arange(1100, DType::Int64).reshape({100, 11}));
  CHECK(s ==
        "tensor([[   0,    1,    2,  ...,    8,    9,   10],\n"
        "        [  11,   12,   13,  ...,   19,   20,   21],\n"
        "        [  22,   23,   24,  ...,   30,   31,   32],\n"
        "        ...,\n"
        "        [1067, 1068, 1069,  ..., 1075, 1076, 1077],\n"
        "        [1078, 1079, 1080,  ..., 1086, 1087, 1088],\n"
        "        [1089, 1090, 1091,  ..., 1097, 1098, 1099]], shape=[100, 11], dtype=int64)");
}
