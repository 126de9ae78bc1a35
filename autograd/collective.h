// A differentiable sum across the shards of a data-parallel step (gan/distributed.h): each shard
// holds its part x_k of a value (e.g. a BatchNorm layer's per-channel sums over its rows), and
// every shard receives the total y = sum_k x_k. How the parts meet — threads in one process, or
// MPI between processes — is the caller's CollectiveSum; autograd only knows the rule below.
//
//   d/dx_j of the whole loss L = sum_k L_k:  dL/dx_j = sum_k dL_k/dy,  so  dx = all_reduce_sum(dy)
//
// The backward is therefore the same collective on the upstream gradients, again
// differentiable (second derivatives, e.g. R1 through a synchronised BatchNorm). Every shard must
// call it at the same point of its forward and backward, in the same order.
#pragma once
#include <functional>

#include "autograd/variable.h"

namespace nash {

// Given this shard's part (any shape), returns the sum over every shard's part (same shape) on
// every shard. Must be called by all shards alike.
using CollectiveSum = std::function<Tensor(const Tensor& part)>;

// y = sum over shards of x, same shape as x;  dx = sum over shards of dy (all_reduce_sum again).
Variable all_reduce_sum(const Variable& x, const CollectiveSum& sum);

}  // namespace nash
