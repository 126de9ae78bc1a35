// MinibatchStd: reshape into groups, the group's standard deviation per feature, averaged to
// one number per group position, broadcast and concatenated as a channel. Autograd ops only.
#include "nn/layers/minibatch_std.h"

#include <algorithm>

#include "nn/layers/common.h"

namespace nash::nn {

MinibatchStd::MinibatchStd(const MinibatchStdOptions& o) : Module("MinibatchStd"), options(o) {
  NASH_CHECK(o.group_size >= 1 && o.eps > 0, "MinibatchStd: expected group_size >= 1 and eps > 0, got ",
             o.group_size, " and ", o.eps);
}

Variable MinibatchStd::forward(const Variable& x) {
  NASH_CHECK(x.dim() == 4 && x.size(0) >= 1, "MinibatchStd(", extra_repr(),
             "): expected input [N, C, H, W], got ", x.shape());
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t g = std::min(options.group_size, n);
  NASH_CHECK(n % g == 0, "MinibatchStd(", extra_repr(), "): the batch ", n,
             " is not a multiple of the group size ", g, " (input ", x.shape(), ")");
  const int64_t m = n / g;
  Variable y = reshape(x, {g, m, c, h, w});                 // [G, M, C, H, W]
  Variable centred = y - mean(y, {0}, true);
  Variable sd = sqrt(mean(centred * centred, {0}) + options.eps);  // [M, C, H, W]
  Variable s = mean(sd, {1, 2, 3}, true);                   // [M, 1, 1, 1]
  // Sample n = i * M + j gets group position j's value.
  Variable channel = reshape(expand(unsqueeze(s, 0), {g, m, 1, h, w}), {n, 1, h, w});
  return cat({x, channel}, 1);
}

std::string MinibatchStd::extra_repr() const {
  return "group_size=" + std::to_string(options.group_size) + ", eps=" + repr::real(options.eps);
}

}  // namespace nash::nn
