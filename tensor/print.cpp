// Printing like PyTorch: tensor([[1.0000, 2.0000],
//                                [3.0000, 4.0000]], shape=[2, 2], dtype=float32)
// Fixed 4 decimals, or scientific when magnitudes span > 1000x / exceed 1e8 / go below 1e-4;
// past 1000 elements each dim longer than 6 shows its first and last 3 entries around "...".
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "tensor/kernels/dispatch.h"
#include "tensor/tensor.h"

namespace nash {
namespace {
constexpr int64_t kThreshold = 1000, kEdge = 3, kLineWidth = 80;

struct Printer {
  const Tensor& t;
  bool summarize;
  bool is_int;
  bool sci = false;
  size_t width = 1;
  std::vector<double> shown;  // every value that will be printed

  double value(int64_t off) const {
    return kernels::dispatch_all(t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return static_cast<double>(static_cast<const T*>(t.storage()->data())[off]);
    });
  }
  // Indices of dim d that are printed (-1 marks the "..." gap).
  std::vector<int64_t> indices(int64_t d) const {
    const int64_t n = t.shape()[d];
    std::vector<int64_t> r;
    if (summarize && n > 2 * kEdge) {
      for (int64_t i = 0; i < kEdge; ++i) r.push_back(i);
      r.push_back(-1);
      for (int64_t i = n - kEdge; i < n; ++i) r.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) r.push_back(i);
    }
    return r;
  }
  void collect(int64_t d, int64_t off) {
    if (d == t.dim()) return shown.push_back(value(off));
    for (int64_t i : indices(d))
      if (i >= 0) collect(d + 1, off + i * t.strides()[d]);
  }
  std::string format(double v) const {
    char buf[64];
    if (is_int) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else if (std::isnan(v)) std::snprintf(buf, sizeof buf, "nan");
    else if (std::isinf(v)) std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    else std::snprintf(buf, sizeof buf, sci ? "%.4e" : "%.4f", v);
    return buf;
  }
  std::string padded(double v) const {
    std::string s = format(v);
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  }
  void prepare() {
    collect(0, t.offset());
    if (!is_int) {
      double lo = INFINITY, hi = 0;
      for (double v : shown)
        if (std::isfinite(v) && v != 0) {
          lo = std::min(lo, std::abs(v));
          hi = std::max(hi, std::abs(v));
        }
      sci = hi > 0 && (hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4);
    }
    for (double v : shown) width = std::max(width, format(v).size());
  }
  void print(std::ostream& os, int64_t d, int64_t off, int64_t indent) const {
    os << '[';
    const std::vector<int64_t> idx = indices(d);
    if (d == t.dim() - 1) {
      const int64_t per_line =
          std::max<int64_t>(1, (kLineWidth - indent) / static_cast<int64_t>(width + 2));
      for (size_t k = 0; k < idx.size(); ++k) {
        if (k > 0) {
          os << ',';
          if (static_cast<int64_t>(k) % per_line == 0) os << '\n' << std::string(indent + 1, ' ');
          else os << ' ';
        }
        if (idx[k] < 0) os << " ...";  // PyTorch pads the gap inside a row
        else os << padded(value(off + idx[k] * t.strides()[d]));
      }
    } else {
      std::string sep(1, ',');
      sep.append(static_cast<size_t>(t.dim() - d - 1), '\n');
      sep.append(static_cast<size_t>(indent + 1), ' ');
      for (size_t k = 0; k < idx.size(); ++k) {
        if (k > 0) os << sep;
        if (idx[k] < 0) os << "...";
        else print(os, d + 1, off + idx[k] * t.strides()[d], indent + 1);
      }
    }
    os << ']';
  }
};
}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  Printer p{t, t.numel() > kThreshold, t.dtype() == DType::Int64, false, 1, {}};
  os << "tensor(";
  if (t.numel() == 0) {
    os << "[]";
  } else {
    p.prepare();
    if (t.dim() == 0) os << p.format(p.shown[0]);
    else p.print(os, 0, t.offset(), 7);
  }
  return os << ", shape=" << shape_str(t.shape()) << ", dtype=" << dtype_name(t.dtype()) << ')';
}

std::string to_string(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace nash
