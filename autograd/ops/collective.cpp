// all_reduce_sum (autograd/collective.h): the forward sums the shards' parts, the backward sums
// the shards' upstream gradients with the same collective.
#include "autograd/collective.h"

#include "autograd/function.h"

namespace nash {

// y = sum_k x_k on every shard;  dx = sum_k dy_k (the derivative of sum_k L_k through y)
Variable all_reduce_sum(const Variable& x, const CollectiveSum& sum) {
  NASH_CHECK(x.defined(), "all_reduce_sum: the part is undefined");
  NASH_CHECK(sum != nullptr, "all_reduce_sum: no collective given for a part of shape ", x.shape());
  Tensor y = sum(x.value());
  NASH_CHECK(y.defined() && y.shape() == x.shape(), "all_reduce_sum: the collective returned shape ",
             y.defined() ? y.shape() : Shape{}, " for a part of shape ", x.shape());
  return make_op("all_reduce_sum", std::move(y), {x},
                 {[sum](const Variable& dy) { return all_reduce_sum(dy, sum); }});
}

}  // namespace nash
