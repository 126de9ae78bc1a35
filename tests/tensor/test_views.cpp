// Views share storage and get the right shape/strides/offset; reshape copies only when it must.
#include <catch2/catch.hpp>

#include "tensor/ops.h"
#include "tensor_test_util.h"

using namespace nash;

TEST_CASE("tensor basics: shape, strides, contiguity, values", "[tensor]") {
  Tensor x = arange(6).reshape({2, 3});
  CHECK(x.shape() == Shape{2, 3});
  CHECK(x.strides() == Shape{3, 1});
  CHECK(x.numel() == 6);
  CHECK(x.dim() == 2);
  CHECK(x.size(-1) == 3);
  CHECK(x.stride(0) == 3);
  CHECK(x.is_contiguous());
  CHECK(x.dtype() == DType::Float32);
  CHECK(x.to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5});
  CHECK(x.at({1, 2}) == 5.0);
  CHECK(x.at({-1, 0}) == 3.0);
  CHECK(x.values<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  CHECK(reinterpret_cast<uintptr_t>(x.raw_data()) % 64 == 0);
  CHECK(scalar_tensor(2.5).item() == 2.5);
  CHECK_FALSE(Tensor().defined());
  REQUIRE_THROWS_WITH(x.item(), Catch::Contains("item: expected a tensor with one element, got [2, 3]"));
  REQUIRE_THROWS_WITH(x.at({2, 0}), Catch::Contains("at: index [2, 0] out of range for shape [2, 3]"));
  REQUIRE_THROWS_WITH(x.data<double>(), Catch::Contains("data: tensor is float32, requested float64"));
  REQUIRE_THROWS_WITH(x.size(2), Catch::Contains("size: dim 2 out of range for a tensor of 2 dims [2, 3]"));
}

TEST_CASE("transpose and permute are views with swapped strides", "[tensor]") {
  Tensor x = arange(24).reshape({2, 3, 4});
  Tensor t = x.transpose(0, 2);
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.strides() == Shape{1, 4, 12});
  CHECK(t.shares_storage(x));
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.at({3, 2, 1}) == x.at({1, 2, 3}));
  Tensor p = x.permute({1, 2, 0});
  CHECK(p.shape() == Shape{3, 4, 2});
  CHECK(p.strides() == Shape{4, 1, 12});
  CHECK(p.at({2, 1, 1}) == 12 + 8 + 1);
  REQUIRE_THROWS_WITH(x.t(), Catch::Contains("t: expects a tensor with <= 2 dims, got [2, 3, 4]"));
  Tensor m = arange(6).reshape({2, 3});
  CHECK(m.t().to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  REQUIRE_THROWS_WITH(transpose(zeros({64, 784}), 3, 0),
                      Catch::Contains("transpose: dim 3 out of range for a tensor of 2 dims [64, 784]"));
  REQUIRE_THROWS_WITH(x.permute({0, 0, 1}), Catch::Contains("permute: dim 0 repeated"));
  REQUIRE_THROWS_WITH(x.permute({0, 1}), Catch::Contains("permute: 2 dims given for a tensor of 3 dims"));
}

TEST_CASE("narrow, slice with step and select", "[tensor]") {
  Tensor x = arange(10);
  Tensor s = x.slice(0, 1, 8, 3);  // 1, 4, 7
  CHECK(s.to_vector() == std::vector<double>{1, 4, 7});
  CHECK(s.strides() == Shape{3});
  CHECK(s.offset() == 1);
  CHECK(s.shares_storage(x));
  CHECK(x.slice(0, -3, 100).to_vector() == std::vector<double>{7, 8, 9});   // end clamped
  CHECK(x.slice(0, -100, 2).to_vector() == std::vector<double>{0, 1});      // start clamped
  CHECK(x.slice(0, 5, 2).numel() == 0);                                     // empty
  CHECK(x.slice(0, 0, -1, 4).to_vector() == std::vector<double>{0, 4, 8});  // negative end
  CHECK(x.narrow(0, 2, 3).to_vector() == std::vector<double>{2, 3, 4});
  Tensor m = arange(12).reshape({3, 4});
  CHECK(m.select(1, 2).to_vector() == std::vector<double>{2, 6, 10});
  CHECK(m.select(0, -1).to_vector() == std::vector<double>{8, 9, 10, 11});
  Tensor ms = m.slice(1, 0, 4, 2).slice(0, 1, 3);  // rows 1..2, cols 0, 2
  CHECK(ms.to_vector() == std::vector<double>{4, 6, 8, 10});
  // Writing through a view changes the base.
  Tensor col = m.select(1, 0);
  fill_(col, -1.0);
  CHECK(m.at({2, 0}) == -1.0);
  CHECK(m.at({2, 1}) == 9.0);
  REQUIRE_THROWS_WITH(x.slice(0, 0, 5, 0), Catch::Contains("slice: step must be positive, got 0"));
  REQUIRE_THROWS_WITH(x.narrow(0, 8, 3), Catch::Contains("narrow: start 8 and length 3 out of range"));
  REQUIRE_THROWS_WITH(m.select(0, 3), Catch::Contains("select: index 3 out of range for dim 0 of [3, 4]"));
}

TEST_CASE("expand and broadcast_to use stride 0", "[tensor]") {
  Tensor b = tensor({1, 2, 3});
  Tensor e = b.expand({4, 3});
  CHECK(e.shape() == Shape{4, 3});
  CHECK(e.strides() == Shape{0, 1});
  CHECK(e.shares_storage(b));
  CHECK(e.at({3, 2}) == 3.0);
  Tensor c = tensor({5, 6}).reshape({2, 1});
  CHECK(c.expand({-1, 3}).strides() == Shape{1, 0});
  CHECK(c.expand({-1, 3}).to_vector() == std::vector<double>{5, 5, 5, 6, 6, 6});
  CHECK(broadcast_to(b, {2, 1, 3}).strides() == Shape{0, 0, 1});
  REQUIRE_THROWS_WITH(b.expand({2, 4}), Catch::Contains("expand: cannot expand [3] to [2, 4]"));
  REQUIRE_THROWS_WITH(broadcast_to(b, {3, -1}), Catch::Contains("broadcast_to: cannot expand [3] to [3, -1]"));
  Tensor e2 = e;
  REQUIRE_THROWS_WITH(add_(e2, ones({4, 3})), Catch::Contains("add_: cannot write into an expanded tensor"));
}

TEST_CASE("reshape is a view when strides allow, a copy otherwise; view throws", "[tensor]") {
  Tensor x = arange(12).reshape({3, 4});
  Tensor v = x.reshape({2, 6});
  CHECK(v.shares_storage(x));
  CHECK(x.reshape({-1}).shape() == Shape{12});
  CHECK(x.reshape({2, -1, 3}).shape() == Shape{2, 2, 3});
  // A transposed tensor cannot be flattened without a copy.
  Tensor t = x.t();
  Tensor r = t.reshape({12});
  CHECK_FALSE(r.shares_storage(x));
  CHECK(r.to_vector() == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  REQUIRE_THROWS_WITH(t.view({12}), Catch::Contains("view: cannot view [4, 3] with strides [1, 4] as [12]"));
  // ...but splitting a dim of a transposed tensor is still a view.
  Tensor s = t.view({2, 2, 3});
  CHECK(s.shares_storage(x));
  CHECK(s.strides() == Shape{2, 1, 4});
  CHECK(s.at({1, 0, 2}) == x.at({2, 2}));
  // A sliced-with-step tensor keeps its step in the view.
  Tensor st = arange(16).slice(0, 0, 16, 2).view({2, 4});
  CHECK(st.strides() == Shape{8, 2});
  CHECK(st.to_vector() == std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14});
  REQUIRE_THROWS_WITH(arange(6).reshape({2, 3}).reshape({4, 2}),
                      Catch::Contains("reshape: cannot reshape [2, 3] (6 elements) into [4, 2]"));
  REQUIRE_THROWS_WITH(x.reshape({-1, -1}), Catch::Contains("reshape: only one dimension can be -1"));
  REQUIRE_THROWS_WITH(x.reshape({-2, 6}), Catch::Contains("reshape: negative size"));
}

TEST_CASE("squeeze, unsqueeze, flatten", "[tensor]") {
  Tensor x = zeros({2, 1, 3, 1});
  CHECK(squeeze(x).shape() == Shape{2, 3});
  CHECK(x.squeeze(1).shape() == Shape{2, 3, 1});
  CHECK(x.squeeze(0).shape() == Shape{2, 1, 3, 1});  // size != 1: unchanged
  CHECK(x.unsqueeze(0).shape() == Shape{1, 2, 1, 3, 1});
  CHECK(x.unsqueeze(-1).shape() == Shape{2, 1, 3, 1, 1});
  Tensor y = arange(24).reshape({2, 3, 4});
  CHECK(y.flatten().shape() == Shape{24});
  CHECK(y.flatten(1).shape() == Shape{2, 12});
  CHECK(y.flatten(0, 1).shape() == Shape{6, 4});
  CHECK(y.flatten(1).shares_storage(y));
  CHECK(scalar_tensor(1).flatten().shape() == Shape{1});
  REQUIRE_THROWS_WITH(y.unsqueeze(4), Catch::Contains("unsqueeze: dim 4 out of range for a tensor of 3 dims"));
  REQUIRE_THROWS_WITH(y.flatten(2, 1), Catch::Contains("flatten: start_dim 2 is after end_dim 1"));
}

TEST_CASE("contiguous, clone and to(dtype)", "[tensor]") {
  Tensor x = arange(6).reshape({2, 3});
  CHECK(x.contiguous().shares_storage(x));
  Tensor c = x.t().contiguous();
  CHECK_FALSE(c.shares_storage(x));
  CHECK(c.is_contiguous());
  CHECK(c.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  Tensor k = x.clone();
  CHECK_FALSE(k.shares_storage(x));
  CHECK(equal(k, x));
  Tensor d = x.to(DType::Float64);
  CHECK(d.dtype() == DType::Float64);
  CHECK(d.to_vector() == x.to_vector());
  CHECK(x.to(DType::Float32).shares_storage(x));
  // float -> int64 truncates; NaN and out-of-range values saturate instead of being UB.
  const std::vector<int64_t> sat = tensor({NAN, 1e30, -1e30, 2.7}).to(DType::Int64).values<int64_t>();
  CHECK(sat[0] == INT64_MIN);
  CHECK(sat[1] == INT64_MAX);
  CHECK(sat[2] == INT64_MIN);
  CHECK(sat[3] == 2);
  CHECK(full({1}, 1e300, DType::Int64).values<int64_t>()[0] == INT64_MAX);
  CHECK(Tensor().numel() == 0);
  Tensor i = tensor({1.7, -2.2, 3.5}).to(DType::Int64);
  CHECK(i.values<int64_t>() == std::vector<int64_t>{1, -2, 3});
  CHECK(i.to(DType::Float32).to_vector() == std::vector<double>{1, -2, 3});
  CHECK(x.t().to(DType::Float64).to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("creation ops", "[tensor]") {
  CHECK(zeros({2, 2}).to_vector() == std::vector<double>{0, 0, 0, 0});
  CHECK(ones({3}, DType::Int64).values<int64_t>() == std::vector<int64_t>{1, 1, 1});
  CHECK(full({2}, 2.5, DType::Float64).to_vector() == std::vector<double>{2.5, 2.5});
  CHECK(arange(0, 1, 0.25).to_vector() == std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(arange(5, 0, -2).to_vector() == std::vector<double>{5, 3, 1});
  CHECK(arange(4, DType::Int64).values<int64_t>() == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(linspace(0, 1, 5).to_vector() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace(2, 2, 1).to_vector() == std::vector<double>{2});
  CHECK(from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2}).at({1, 0}) == 3.0);
  CHECK(zeros_like(ones({2, 3}, DType::Float64)).dtype() == DType::Float64);
  CHECK(full_like(ones({2}), 7).to_vector() == std::vector<double>{7, 7});
  CHECK(empty({0, 5}).numel() == 0);
  REQUIRE_THROWS_WITH(zeros({2, -1}), Catch::Contains("empty: negative size in shape [2, -1]"));
  REQUIRE_THROWS_WITH(empty({int64_t{1} << 40, int64_t{1} << 40}), Catch::Contains("overflows int64"));
  REQUIRE_THROWS_WITH(from_vector(std::vector<float>{1, 2, 3}, {2, 2}),
                      Catch::Contains("from_vector: 3 values for shape [2, 2] (4 elements)"));
  REQUIRE_THROWS_WITH(arange(0, 1, 0), Catch::Contains("arange: need finite start, end and nonzero step"));
  REQUIRE_THROWS_WITH(arange(0, 1, -1), Catch::Contains("arange: step -1 has the wrong sign"));
}

TEST_CASE("storage reuses cached blocks for large outputs", "[tensor]") {
  const void* first = nullptr;
  {
    Tensor a = empty({1 << 20});
    first = a.raw_data();
  }
  CHECK(cached_bytes() >= (size_t{4} << 20));
  Tensor b = empty({1 << 20});
  CHECK(b.raw_data() == first);  // the freed 4 MB block came back
  empty_cache();
  CHECK(cached_bytes() == 0);
}

TEST_CASE("contiguous copies of transposed and permuted views (tiled path)", "[tensor]") {
  for (const Shape& shape : {Shape{37, 70}, Shape{3, 33, 65}, Shape{2, 5, 40, 41}}) {
    Tensor x = arange(0, static_cast<double>(numel_of(shape)), 1, DType::Float64).reshape(shape);
    const int64_t nd = x.dim();
    Tensor t = x.transpose(nd - 1, nd - 2);
    Tensor c = t.contiguous();
    Tensor f = t.to(DType::Float32);  // converting while transposing
    bool ok = true;
    test::for_each_pos(t.shape(), [&](const Shape& pos) {
      ok = ok && c.at(pos) == t.at(pos) && f.at(pos) == t.at(pos);
    });
    CHECK(ok);
  }
  Tensor nhwc = arange(0, 2 * 6 * 7 * 3, 1).reshape({2, 6, 7, 3});
  Tensor nchw = nhwc.permute({0, 3, 1, 2}).contiguous();
  CHECK(nchw.at({1, 2, 5, 4}) == nhwc.at({1, 5, 4, 2}));
  CHECK(nchw.at({0, 1, 3, 6}) == nhwc.at({0, 3, 6, 1}));
}
