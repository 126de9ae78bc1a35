// The pooling kernels on a phase layout (space-to-depth). A block of planes is copied once into
// phase planes S[a][b][i][j] = x[i*SH + a - PH][j*SW + b - PW] (a pad value outside x); window
// tap (kh, kw) of output (oh, ow) then lies in phase (kh % SH, kw % SW) at (oh + kh/SH,
// ow + kw/SW), so for one tap consecutive outputs read consecutive elements, across rows and
// planes: the window loop is a vector loop of contiguous loads, however small the planes.
// Outputs are computed on each plane's [Hq, Wq] phase grid (Hq = OH + (KH-1)/SH, Wq likewise)
// and the extra rows/columns, if any, dropped on the way out. avg backward runs the layout in
// reverse. Each output sums or compares its taps in the order of pool.cpp's direct loops, and
// pads never change a result (-inf never wins a max, +0 never changes a sum that starts at +0),
// so the two agree bit for bit (up to which NaN propagates), for any thread count.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "tensor/kernels/map.h"
#include "tensor/parallel.h"
#include "tensor/pool.h"

namespace nash::detail {
namespace {

constexpr int64_t kParallelMin = 1 << 14;    // input elements below which loops stay serial
constexpr int64_t kBlockBytes = int64_t{1} << 15;  // phase planes of one block: about L1-sized

using kernels::ifelse;

template <class V, class T>
V load_lane(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
void store_lane(T* p, const V& v) {
  if constexpr (std::is_same_v<V, T>) *p = v;
  else v.store_unaligned(p);
}

// f(lane, q) for q in [0, n): lane is a Batch<T> for the vector body, a T for the tail.
template <class T, class F>
void for_lanes(int64_t n, F&& f) {
  constexpr int64_t W = kernels::kWidth<T>;
  int64_t q = 0;
  for (; q + W <= n; q += W) f(kernels::Batch<T>(), q);
  for (; q < n; ++q) f(T(), q);
}

struct Phases {
  int64_t SHr, SWr;          // phases some tap reads: min(stride, kernel) per dim
  int64_t mh, mw;            // (KH-1)/SH, (KW-1)/SW: how far a window reaches past its cell
  int64_t Hq, Wq, PQ;        // one plane's phase grid [Hq, Wq] = [OH + mh, OW + mw]
  bool exact;                // Hq == OH and Wq == OW: the grid is the output
  int64_t NP = 1;            // planes per block
  int64_t BS = 0;            // elements of one phase of a block (NP planes + slack)
  std::vector<int64_t> tap;  // tap t = kh*KW + kw: its offset in S from its output's cell

  explicit Phases(const PoolGeom& g)
      : SHr(std::min(g.s[0], g.k[0])), SWr(std::min(g.s[1], g.k[1])),
        mh((g.k[0] - 1) / g.s[0]), mw((g.k[1] - 1) / g.s[1]), Hq(g.OH + mh), Wq(g.OW + mw),
        PQ(Hq * Wq), exact(mh == 0 && mw == 0) {}

  // Blocks of NP planes whose scratch (per_plane elements of `elem` bytes each) fits the budget.
  void plan_blocks(const PoolGeom& g, int64_t per_plane, size_t elem) {
    NP = std::clamp<int64_t>(kBlockBytes / (per_plane * static_cast<int64_t>(elem)), 1, g.N * g.C);
    BS = NP * PQ + mh * Wq + mw;
    for (int64_t kh = 0; kh < g.k[0]; ++kh)
      for (int64_t kw = 0; kw < g.k[1]; ++kw)
        tap.push_back(((kh % g.s[0]) * SWr + kw % g.s[1]) * BS + (kh / g.s[0]) * Wq + kw / g.s[1]);
  }
};

// f(j0, len) over [0, n) as fixed chunks of len 8 (each one vector loop) ending with a chunk
// that overlaps the one before, rather than a scalar tail (rows of 4 to 7 take two overlapping
// chunks of 4): f must be a copy, where rewriting a value is harmless. The rows here are short
// (14 for a 28-wide input), where a scalar tail would dominate. Each f calls a function whose
// pointers are __restrict: the loops then need no alias checks.
template <class F>
void for_row(int64_t n, F&& f) {
  constexpr int64_t kChunk = 8, kHalf = 4;
  if (n < kHalf) return f(0, n);
  if (n < kChunk) {
    f(0, kHalf);
    return f(n - kHalf, kHalf);
  }
  int64_t j = 0;
  for (; j + kChunk <= n; j += kChunk) f(j, kChunk);
  if (j < n) f(n - kChunk, kChunk);
}

// d0[j] = s[2j], d1[j] = s[2j + 1] for j < n.
template <class T>
void deinterleave2_span(const T* __restrict s, int64_t n, T* __restrict d0, T* __restrict d1) {
  for (int64_t j = 0; j < n; ++j) {
    d0[j] = s[2 * j];
    d1[j] = s[2 * j + 1];
  }
}
template <class T>
void deinterleave2(const T* s, int64_t n, T* d0, T* d1) {
  for_row(n, [&](int64_t j, int64_t len) { deinterleave2_span(s + 2 * j, len, d0 + j, d1 + j); });
}

// d[2j] = s0[j], d[2j + 1] = s1[j] for j < n.
template <class T>
void interleave2_span(const T* __restrict s0, const T* __restrict s1, int64_t n, T* __restrict d) {
  for (int64_t j = 0; j < n; ++j) {
    d[2 * j] = s0[j];
    d[2 * j + 1] = s1[j];
  }
}
template <class T>
void interleave2(const T* s0, const T* s1, int64_t n, T* d) {
  for_row(n, [&](int64_t j, int64_t len) { interleave2_span(s0 + j, s1 + j, len, d + 2 * j); });
}

// d[j] = U(s[j]) for j < n (a copy when U is T).
template <class T, class U>
void convert_span(const T* __restrict s, int64_t n, U* __restrict d) {
  for (int64_t j = 0; j < n; ++j) d[j] = static_cast<U>(s[j]);
}
template <class T, class U>
void convert_row(const T* s, int64_t n, U* d) {
  for_row(n, [&](int64_t j, int64_t len) { convert_span(s + j, len, d + j); });
}

// d[j] = a[j] / b[j] for j < n.
template <class T>
void divide_span(const T* __restrict a, const T* __restrict b, int64_t n, T* __restrict d) {
  for (int64_t j = 0; j < n; ++j) d[j] = a[j] / b[j];
}
template <class T>
void divide_row(const T* a, const T* b, int64_t n, T* d) {
  for_row(n, [&](int64_t j, int64_t len) { divide_span(a + j, b + j, len, d + j); });
}

// S (phase (a, b) at S + (a*SWr + b)*BS) <- the nb planes at x, pad outside x.
template <class T>
void fill_phases(const T* x, int64_t nb, const PoolGeom& g, const Phases& ph, T pad, T* S) {
  const RowPhases rp(g.W, g.s[1], g.p[1], ph.SWr, ph.Wq);
  for (int64_t jp = 0; jp < nb; ++jp)
    for (int64_t i = 0; i < ph.Hq; ++i)  // x rows in order: i*SH + a
      for (int64_t a = 0; a < ph.SHr; ++a) {
        const int64_t ih = i * g.s[0] + a - g.p[0];
        T* d = S + a * ph.SWr * ph.BS + jp * ph.PQ + i * ph.Wq;
        if (ih < 0 || ih >= g.H) {
          for (int64_t b = 0; b < ph.SWr; ++b) std::fill(d + b * ph.BS, d + b * ph.BS + ph.Wq, pad);
          continue;
        }
        split_row(rp, x + (jp * g.H + ih) * g.W, pad, d, ph.BS);
      }
}

// d[i] = s[i] as int64 (s holds exact integers): one loop the compiler vectorises.
template <class T>
void to_int64(const T* __restrict s, int64_t n, int64_t* __restrict d) {
  for (int64_t i = 0; i < n; ++i) d[i] = static_cast<int64_t>(s[i]);
}

// y (nb planes [OH, OW]) <- the computed grid v (nb planes [Hq, Wq]), converting to U.
template <class T, class U>
void drop_extra(const T* v, int64_t nb, const PoolGeom& g, const Phases& ph, U* y) {
  for (int64_t jp = 0; jp < nb; ++jp)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      convert_row(v + jp * ph.PQ + oh * ph.Wq, g.OW, y + (jp * g.OH + oh) * g.OW);
}

// f(p0, nb, scratch) for the blocks of planes, in parallel; scratch: `elems` zeroed Ts per thread.
template <class T, class F>
void for_blocks(const PoolGeom& g, const Phases& ph, int64_t elems, F&& f) {
  const int64_t planes = g.N * g.C, blocks = (planes + ph.NP - 1) / ph.NP;
  const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && blocks > 1 && planes * g.H * g.W >= kParallelMin)
  {
    std::vector<T> scratch(static_cast<size_t>(elems));
#pragma omp for schedule(static)
    for (int64_t bl = 0; bl < blocks; ++bl)
      f(bl * ph.NP, std::min(ph.NP, planes - bl * ph.NP), scratch.data());
  }
}

// table[jp*PQ + i*Wq + j] = f(i, j) for the cells of the NP planes of a block (outputs and extras).
template <class T, class F>
std::vector<T> grid_table(const Phases& ph, F&& f) {
  std::vector<T> t(static_cast<size_t>(ph.NP * ph.PQ));
  for (int64_t i = 0; i < ph.Hq; ++i)
    for (int64_t j = 0; j < ph.Wq; ++j) t[i * ph.Wq + j] = f(i, j);
  for (int64_t jp = 1; jp < ph.NP; ++jp) std::copy_n(t.begin(), ph.PQ, t.begin() + jp * ph.PQ);
  return t;
}

}  // namespace

RowPhases::RowPhases(int64_t W_, int64_t s_, int64_t pad_, int64_t phases_, int64_t cols_)
    : W(W_), s(s_), pad(pad_), phases(phases_), cols(cols_) {
  lo = std::min(cols, (pad + s - 1) / s);
  const int64_t last = W + pad - phases;  // the largest j*s with every phase inside
  hi = last < 0 ? lo : std::clamp(last / s + 1, lo, cols);
}

template <class T>
void split_row(const RowPhases& rp, const T* row, T outside, T* d, int64_t stride) {
  auto edge = [&](int64_t j) {
    for (int64_t b = 0; b < rp.phases; ++b) {
      const int64_t c = j * rp.s + b - rp.pad;
      d[b * stride + j] = c >= 0 && c < rp.W ? row[c] : outside;
    }
  };
  for (int64_t j = 0; j < rp.lo; ++j) edge(j);
  const T* s = row + rp.lo * rp.s - rp.pad;
  T* d0 = d + rp.lo;
  const int64_t n = rp.hi - rp.lo;
  if (rp.s == 1) {
    convert_row(s, n, d0);  // a plain copy, in chunks: rows are too short for memcpy's setup
  } else if (rp.s == 2 && rp.phases == 2) {  // the common stride: one deinterleaving loop
    deinterleave2(s, n, d0, d0 + stride);
  } else {
    for (int64_t b = 0; b < rp.phases; ++b)
      for (int64_t j = 0; j < n; ++j) d0[b * stride + j] = s[j * rp.s + b];
  }
  for (int64_t j = rp.hi; j < rp.cols; ++j) edge(j);
}

template <class T>
void merge_row(const RowPhases& rp, const T* d, int64_t stride, T* row) {
  auto edge = [&](int64_t j) {
    for (int64_t b = 0; b < rp.phases; ++b) {
      const int64_t c = j * rp.s + b - rp.pad;
      if (c >= 0 && c < rp.W) row[c] = d[b * stride + j];
    }
  };
  for (int64_t j = 0; j < rp.lo; ++j) edge(j);
  T* r0 = row + rp.lo * rp.s - rp.pad;
  const T* d0 = d + rp.lo;
  const int64_t n = rp.hi - rp.lo;
  if (rp.s == 1) {
    convert_row(d0, n, r0);
  } else if (rp.s == 2 && rp.phases == 2) {
    interleave2(d0, d0 + stride, n, r0);
  } else {
    for (int64_t b = 0; b < rp.phases; ++b)
      for (int64_t j = 0; j < n; ++j) r0[j * rp.s + b] = d0[b * stride + j];
  }
  for (int64_t j = rp.hi; j < rp.cols; ++j) edge(j);
}

template <class T>
bool max_pool_phases(const T* x, const PoolGeom& g, T* y, int64_t* indices) {
  // Indices travel as T: every ih*W + iw (and the base below, >= -(PH*W + PW)) must be exact.
  const double span = double(g.H + 2 * g.p[0] + g.s[0]) * double(g.W + 2 * g.p[1] + g.s[1]);
  if (span >= double(int64_t{1} << std::numeric_limits<T>::digits)) return false;
  Phases ph(g);
  ph.plan_blocks(g, (ph.SHr * ph.SWr + 2) * ph.PQ, sizeof(T));
  // base: the input index of tap (0, 0), ignoring the bounds; first: the first in-bounds tap's,
  // the reference's answer when nothing beats -inf.
  const std::vector<T> base = grid_table<T>(ph, [&](int64_t i, int64_t j) {
    return T((i * g.s[0] - g.p[0]) * g.W + j * g.s[1] - g.p[1]);
  });
  const std::vector<T> first = grid_table<T>(ph, [&](int64_t i, int64_t j) {
    const int64_t h0 = i * g.s[0] - g.p[0], w0 = j * g.s[1] - g.p[1];
    return T(std::max<int64_t>(h0, 0) * g.W + std::max<int64_t>(w0, 0));
  });
  std::vector<T> tap_index;
  for (int64_t kh = 0; kh < g.k[0]; ++kh)
    for (int64_t kw = 0; kw < g.k[1]; ++kw) tap_index.push_back(T(kh * g.W + kw));
  const int64_t KK = g.k[0] * g.k[1], NPQ = ph.NP * ph.PQ, P = g.OH * g.OW;
  const T neg_inf = -std::numeric_limits<T>::infinity();
  for_blocks<T>(g, ph, ph.SHr * ph.SWr * ph.BS + 2 * NPQ, [&](int64_t p0, int64_t nb, T* scratch) {
    T* S = scratch;
    T* vals = S + ph.SHr * ph.SWr * ph.BS;  // the grid's values (unless exact: y itself)
    T* where = vals + NPQ;                  // the grid's indices, as T
    fill_phases(x + p0 * g.H * g.W, nb, g, ph, neg_inf, S);
    T* yv = ph.exact ? y + p0 * P : vals;
    // y = the first maximum in row-major tap order, or the last NaN (the reference's rule).
    for_lanes<T>(nb * ph.PQ, [&](auto lane, int64_t q) {
      using V = decltype(lane);
      V best(neg_inf), bi = load_lane<V>(first.data() + q);
      const V b = load_lane<V>(base.data() + q);
      for (int64_t t = 0; t < KK; ++t) {
        const V v = load_lane<V>(S + ph.tap[t] + q);
        // isnan, not v != v: xsimd 8.1's != is an ordered compare on AVX-512 (false for NaN).
        const auto m = (v > best) | xsimd::isnan(v);
        best = ifelse(m, v, best);
        bi = ifelse(m, b + V(tap_index[t]), bi);
      }
      store_lane(yv + q, best);
      store_lane(where + q, bi);
    });
    if (ph.exact) {
      to_int64(where, nb * P, indices + p0 * P);
    } else {
      drop_extra(vals, nb, g, ph, y + p0 * P);
      drop_extra(where, nb, g, ph, indices + p0 * P);
    }
  });
  return true;
}

template <class T>
void avg_pool_phases(const T* x, const PoolGeom& g, bool count_include_pad, T* y) {
  Phases ph(g);
  ph.plan_blocks(g, (ph.SHr * ph.SWr + 1) * ph.PQ, sizeof(T));
  const std::vector<T> divisor = grid_table<T>(ph, [&](int64_t i, int64_t j) {
    return i < g.OH && j < g.OW ? T(pool_window(g, i, j, count_include_pad).divisor) : T(1);
  });
  const int64_t KK = g.k[0] * g.k[1], NPQ = ph.NP * ph.PQ, P = g.OH * g.OW;
  for_blocks<T>(g, ph, ph.SHr * ph.SWr * ph.BS + NPQ, [&](int64_t p0, int64_t nb, T* scratch) {
    T* S = scratch;
    T* vals = S + ph.SHr * ph.SWr * ph.BS;
    fill_phases(x + p0 * g.H * g.W, nb, g, ph, T(0), S);
    T* yv = ph.exact ? y + p0 * P : vals;
    // y = (0 + taps in row-major order) / divisor; the pads add +0.
    for_lanes<T>(nb * ph.PQ, [&](auto lane, int64_t q) {
      using V = decltype(lane);
      V acc(T(0));
      for (int64_t t = 0; t < KK; ++t) acc += load_lane<V>(S + ph.tap[t] + q);
      store_lane(yv + q, acc / load_lane<V>(divisor.data() + q));
    });
    if (!ph.exact) drop_extra(vals, nb, g, ph, y + p0 * P);
  });
}

template <class T>
void avg_pool_backward_phases(const T* dy, const PoolGeom& g, bool count_include_pad, T* dx) {
  // dy / divisor goes into a zero-bordered grid G [Hg, Wg] per plane (mh rows and mw columns of
  // zeros on each side); phase (a, b) of dx is then, at each cell q of the [Hq, Wg] grid, the
  // sum over the taps (kh, kw) of that phase of G[q + (mh - kh/SH)*Wg + mw - kw/SW], taken in
  // the reference's order (outputs row-major: kh/SH, then kw/SW, descending).
  Phases ph(g);
  const int64_t Hg = g.OH + 2 * ph.mh, Wg = g.OW + 2 * ph.mw, GS = Hg * Wg, P = g.OH * g.OW;
  const int64_t HW = g.H * g.W, nphase = ph.SHr * ph.SWr;
  ph.plan_blocks(g, (nphase + 1) * GS, sizeof(T));
  const int64_t G_elems = ph.NP * GS + ph.mh * Wg + ph.mw, D_elems = ph.NP * GS;
  std::vector<T> divisor(static_cast<size_t>(P));
  for (int64_t oh = 0; oh < g.OH; ++oh)
    for (int64_t ow = 0; ow < g.OW; ++ow)
      divisor[oh * g.OW + ow] = T(pool_window(g, oh, ow, count_include_pad).divisor);
  // taps[phase] = the offsets into G of that phase's taps, in summing order.
  std::vector<std::vector<int64_t>> taps(static_cast<size_t>(nphase));
  for (int64_t kh = g.k[0] - 1; kh >= 0; --kh)
    for (int64_t kw = g.k[1] - 1; kw >= 0; --kw)
      taps[(kh % g.s[0]) * ph.SWr + kw % g.s[1]].push_back((ph.mh - kh / g.s[0]) * Wg + ph.mw -
                                                            kw / g.s[1]);
  // Every input cell belongs to a phase and cell that a tap reaches: no zero fill needed.
  const bool covers = ph.SHr == g.s[0] && ph.SWr == g.s[1] && ph.Hq * g.s[0] - g.p[0] >= g.H &&
                      ph.Wq * g.s[1] - g.p[1] >= g.W;
  const RowPhases rp(g.W, g.s[1], g.p[1], ph.SWr, ph.Wq);
  for_blocks<T>(g, ph, G_elems + nphase * D_elems, [&](int64_t p0, int64_t nb, T* scratch) {
    T* G = scratch;  // its borders stay 0: only the [OH, OW] interiors are ever written
    T* D = G + G_elems;
    for (int64_t jp = 0; jp < nb; ++jp)
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        divide_row(dy + (p0 + jp) * P + oh * g.OW, divisor.data() + oh * g.OW, g.OW,
                   G + jp * GS + (oh + ph.mh) * Wg + ph.mw);
      }
    for (int64_t f = 0; f < nphase; ++f) {
      const std::vector<int64_t>& offs = taps[f];
      for_lanes<T>(nb * GS, [&](auto lane, int64_t q) {
        using V = decltype(lane);
        V acc(T(0));
        for (int64_t off : offs) acc += load_lane<V>(G + off + q);
        store_lane(D + f * D_elems + q, acc);
      });
    }
    // dx <- the phases: the inverse of fill_phases on the [Hq, Wq] part of each plane's grid.
    for (int64_t jp = 0; jp < nb; ++jp) {
      T* plane = dx + (p0 + jp) * HW;
      if (!covers) std::fill(plane, plane + HW, T(0));
      for (int64_t a = 0; a < ph.SHr; ++a)
        for (int64_t i = 0; i < ph.Hq; ++i) {
          const int64_t ih = i * g.s[0] + a - g.p[0];
          if (ih < 0 || ih >= g.H) continue;
          merge_row(rp, D + a * ph.SWr * D_elems + jp * GS + i * Wg, D_elems, plane + ih * g.W);
        }
    }
  });
}

template void split_row<float>(const RowPhases&, const float*, float, float*, int64_t);
template void split_row<double>(const RowPhases&, const double*, double, double*, int64_t);
template void merge_row<float>(const RowPhases&, const float*, int64_t, float*);
template void merge_row<double>(const RowPhases&, const double*, int64_t, double*);
template bool max_pool_phases<float>(const float*, const PoolGeom&, float*, int64_t*);
template bool max_pool_phases<double>(const double*, const PoolGeom&, double*, int64_t*);
template void avg_pool_phases<float>(const float*, const PoolGeom&, bool, float*);
template void avg_pool_phases<double>(const double*, const PoolGeom&, bool, double*);
template void avg_pool_backward_phases<float>(const float*, const PoolGeom&, bool, float*);
template void avg_pool_backward_phases<double>(const double*, const PoolGeom&, bool, double*);

}  // namespace nash::detail
