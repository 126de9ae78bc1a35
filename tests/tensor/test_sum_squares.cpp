// sum_squares (tensor/sum_squares.h): bitwise sum(square(x)).item() across the vector block,
// tail and chunk boundaries, past 64 chunks, for views, both dtypes and 1 or 2 threads; errors.
#include "tensor/sum_squares.h"

#include <catch2/catch.hpp>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

using namespace nash;

TEST_CASE("sum_squares is bitwise sum(square(x))", "[tensor][reduce]") {
  Rng rng(31);
  const int saved = get_num_threads();
  for (DType dtype : {DType::Float32, DType::Float64})
    for (int64_t n : {0, 1, 15, 16, 17, 511, 512, 513, 65536, 65537, 200001, 4500007})
      for (int threads : {1, 2}) {
        CAPTURE(dtype_name(dtype), n, threads);
        set_num_threads(threads);
        const Tensor x = normal({n}, 0.3, 2.0, rng).to(dtype);
        const double want = n == 0 ? 0.0 : sum(square(x)).item();
        CHECK(sum_squares(x) == want);
      }
  set_num_threads(saved);
  const Tensor m = normal({300, 70}, 0, 1, rng);
  const Tensor t = transpose(m, 0, 1);  // a strided view
  CHECK(sum_squares(t) == sum(square(t)).item());
}

TEST_CASE("sum_squares names the op and the dtype it refuses", "[tensor][reduce]") {
  CHECK_THROWS_WITH(sum_squares(zeros({3}, DType::Int64)),
                    Catch::Contains("sum_squares: expected float32 or float64, got int64 [3]"));
}
