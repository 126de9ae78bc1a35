// Uses the installed headers and library: a tensor op and one backward pass.
#include <cstdio>

#include "autograd/ops.h"
#include "tensor/ops.h"

int main() {
  nash::Variable x(nash::tensor({1.0, 2.0, 3.0}), true);
  nash::Variable y = nash::sum(x * x);
  y.backward();
  std::printf("%g %g\n", y.item(), nash::sum(x.grad().value()).item());  // 14 12
  return 0;
}
