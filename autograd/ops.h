// Differentiable ops on Variables. Each is defined in autograd/ops/<family>.cpp next to its
// derivative; every derivative is itself written with these ops (so create_graph works).
//
// Shape letters: N batch, D features, C channels, H/W spatial, K classes, B batch of matrices,
// O output channels, "..." any dims. Broadcasting follows NumPy; gradients are summed back.
#pragma once
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "autograd/variable.h"
#include "tensor/conv.h"
#include "tensor/linear_act.h"
#include "tensor/random.h"

namespace nash {

// ---- elementwise binary (broadcasting) — ops/binary.cpp ---------------------------------------
Variable add(const Variable& a, const Variable& b);       // da = dy, db = dy
Variable sub(const Variable& a, const Variable& b);       // da = dy, db = -dy
Variable mul(const Variable& a, const Variable& b);       // da = dy b, db = dy a
Variable div(const Variable& a, const Variable& b);       // da = dy / b, db = -dy a / b^2
Variable pow(const Variable& a, const Variable& b);       // a > 0 where b is not an integer
Variable maximum(const Variable& a, const Variable& b);   // dy goes to the larger (ties: half each)
Variable minimum(const Variable& a, const Variable& b);
// cond is a 0/1 mask (no gradient); a and b broadcast with it.
Variable where(const Tensor& cond, const Variable& a, const Variable& b);
Variable where(const Tensor& cond, const Variable& a, double b);
Variable where(const Tensor& cond, double a, const Variable& b);
// x with `value` where mask is nonzero (mask broadcasts to x, no gradient): dx = dy where !mask.
Variable masked_fill(const Variable& x, const Tensor& mask, double value);
Variable add(const Variable& a, double b);
Variable sub(const Variable& a, double b);
Variable rsub(const Variable& a, double b);  // b - a
Variable mul(const Variable& a, double b);
Variable div(const Variable& a, double b);
Variable rdiv(const Variable& a, double b);  // b / a
Variable pow(const Variable& a, double exponent);

Variable operator-(const Variable& x);
Variable operator+(const Variable& a, const Variable& b);
Variable operator-(const Variable& a, const Variable& b);
Variable operator*(const Variable& a, const Variable& b);
Variable operator/(const Variable& a, const Variable& b);
Variable operator+(const Variable& a, double b);
Variable operator-(const Variable& a, double b);
Variable operator*(const Variable& a, double b);
Variable operator/(const Variable& a, double b);
Variable operator+(double a, const Variable& b);
Variable operator-(double a, const Variable& b);
Variable operator*(double a, const Variable& b);
Variable operator/(double a, const Variable& b);

// ---- elementwise unary — ops/unary.cpp, ops/activation.cpp -------------------------------------
Variable neg(const Variable& x);                 // dx = -dy
Variable exp(const Variable& x);                 // dx = dy y
Variable log(const Variable& x);                 // dx = dy / x
Variable log1p(const Variable& x);               // dx = dy / (1 + x)
Variable sqrt(const Variable& x);                // dx = dy / (2 y)
Variable abs(const Variable& x);                 // dx = dy sign(x)
Variable square(const Variable& x);              // dx = 2 x dy
Variable clamp(const Variable& x, double lo, double hi);  // dx = dy inside [lo, hi], else 0
Variable tanh(const Variable& x);                // dx = dy (1 - y^2)
Variable sigmoid(const Variable& x);             // dx = dy y (1 - y)
Variable relu(const Variable& x);                // dx = dy [x > 0]
Variable leaky_relu(const Variable& x, double slope = 0.01);  // dx = dy (x > 0 ? 1 : slope)
Variable elu(const Variable& x, double alpha = 1.0);          // dx = dy (x > 0 ? 1 : y + alpha)
Variable softplus(const Variable& x);            // log(1 + e^x); dx = dy sigmoid(x)
Variable log_sigmoid(const Variable& x);         // -softplus(-x); dx = dy sigmoid(-x)
Variable erf(const Variable& x);                 // dx = dy 2/sqrt(pi) e^(-x^2)
// GELU: x Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2 (Exact), or
// x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (Tanh), as torch's approximate='tanh'.
enum class GeluApproximation { Exact, Tanh };
Variable gelu(const Variable& x, GeluApproximation approximate = GeluApproximation::Exact);
Variable silu(const Variable& x);                // x sigmoid(x) (Swish)
// max(x, 0) + w min(x, 0): w [1] shared, or [C] per channel for x [N, C, ...]; dw summed.
Variable prelu(const Variable& x, const Variable& weight);

// ---- reductions — ops/reduce.cpp (dims empty = all) --------------------------------------------
Variable sum(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable mean(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable var(const Variable& x, const Shape& dims = {}, int64_t correction = 1,
             bool keepdim = false);
// dy flows to the maximal element(s), split evenly among ties.
Variable amax(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable amin(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable softmax(const Variable& x, int64_t dim);      // dx = y (dy - sum(dy y))
Variable log_softmax(const Variable& x, int64_t dim);  // dx = dy - softmax(x) sum(dy)
Variable logsumexp(const Variable& x, const Shape& dims, bool keepdim = false);
// Standard deviation sqrt(var): correction 1 is torch's unbiased=True, 0 the biased form. Its
// gradient is infinite where the deviation is 0 (as torch's). Under `using namespace nash` call
// it nash::std (a bare std(...) is ambiguous with namespace std).
Variable std(const Variable& x, const Shape& dims = {}, int64_t correction = 1,
             bool keepdim = false);
// The vector p-norm over dims (empty = all), p = 1, 2 or kInf: sum |x|, sqrt(sum x^2), max |x|.
// Gradients: sign(x); x / norm (0 where the norm is 0, as torch); split evenly among the maxima.
inline constexpr double kInf = std::numeric_limits<double>::infinity();
Variable norm(const Variable& x, double p = 2.0, const Shape& dims = {},
              bool keepdim = false);

// ---- linear algebra — ops/matmul.cpp -----------------------------------------------------------
Variable matmul(const Variable& a, const Variable& b);  // da = dy b^T, db = a^T dy (batched)
// y = x w^T + b for x [N, D_in], w [D_out, D_in], b [D_out] (b may be undefined).
Variable linear(const Variable& x, const Variable& w, const Variable& b);
// act(linear(x, w, b)) as one op (ops/linear_act.cpp), bitwise the same values and gradients.
Variable linear_act(const Variable& x, const Variable& w, const Variable& b,
                    LinearActivation act, double slope = 0.0);

// ---- shape and indexing — ops/shape.cpp, ops/index.cpp -----------------------------------------
Variable reshape(const Variable& x, const Shape& shape);
Variable view(const Variable& x, const Shape& shape);
Variable flatten(const Variable& x, int64_t start_dim = 0, int64_t end_dim = -1);
Variable permute(const Variable& x, const Shape& dims);
Variable transpose(const Variable& x, int64_t d0, int64_t d1);
Variable slice(const Variable& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length);
Variable select(const Variable& x, int64_t dim, int64_t index);
Variable expand(const Variable& x, const Shape& shape);
Variable squeeze(const Variable& x, int64_t dim);
Variable unsqueeze(const Variable& x, int64_t dim);
Variable contiguous(const Variable& x);
Variable clone(const Variable& x);  // a copy with its own storage; dx = dy
Variable sum_to(const Variable& x, const Shape& shape);  // adjoint of expand
Variable cat(const std::vector<Variable>& xs, int64_t dim);
Variable stack(const std::vector<Variable>& xs, int64_t dim);
// Views of consecutive pieces along dim (each piece's gradient lands in its place):
// chunk: `chunks` pieces of ceil(size / chunks) (the last smaller; fewer when they run out);
// split: pieces of split_size (the last smaller), or of the given sizes (summing to the size).
std::vector<Variable> chunk(const Variable& x, int64_t chunks, int64_t dim = 0);
std::vector<Variable> split(const Variable& x, int64_t split_size, int64_t dim = 0);
std::vector<Variable> split(const Variable& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
// x tiled reps[d] times along each dim (torch's Tensor.repeat; reps may add leading dims).
Variable repeat(const Variable& x, const Shape& reps);
// x reversed along each of dims.
Variable flip(const Variable& x, const Shape& dims);
// Einstein summation over one or two operands, torch.einsum's notation without '...':
// "ij,jk->ik", "bij,bjk->bik", "bchw,bkhw->bck", "i,i->", "ij->ji", "ij->j", or implicit
// ("ij,jk": the labels seen once, sorted). Each label is one letter, at most once per operand.
// Reduced to sums, permutes, reshapes and one batched matmul.
Variable einsum(const std::string& equation, const std::vector<Variable>& operands);
Variable index_select(const Variable& x, int64_t dim, const Tensor& index);
Variable gather(const Variable& x, int64_t dim, const Tensor& index);
// Adjoints of the two above (scatter-add src into zeros of `shape`).
Variable index_add(const Shape& shape, int64_t dim, const Tensor& index, const Variable& src);
Variable scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Variable& src);
// Rows of weight [K, D] picked by int64 indices [...] -> [..., D].
Variable embedding(const Variable& weight, const Tensor& indices);

// ---- regularisation — ops/dropout.cpp ----------------------------------------------------------
// Zeroes each element with probability p and scales the rest by 1/(1-p) (a no-op when !train).
Variable dropout(const Variable& x, double p, bool train, Rng& rng);
// Zeroes whole channels of [N, C, ...].
Variable dropout2d(const Variable& x, double p, bool train, Rng& rng);

// ---- convolution and pooling — ops/conv.cpp, ops/pool.cpp, ops/upsample_conv.cpp --------------
Variable conv2d(const Variable& x, const Variable& w, const Variable& b, const Conv2dArgs& args = {});
// Grouped: channels split into `groups` independent convolutions, w [O, C / groups, KH, KW]
// (groups = C: depthwise). Composed as one conv2d per group on channel slices, then cat.
Variable conv2d(const Variable& x, const Variable& w, const Variable& b, const Conv2dArgs& args,
                int64_t groups);
Variable conv_transpose2d(const Variable& x, const Variable& w, const Variable& b,
                          const Conv2dArgs& args = {},
                          std::array<int64_t, 2> output_padding = {0, 0});
// ceil_mode: OH = ceil((H + 2 padding - kernel) / stride) + 1, less one if the last window
// would start in the bottom padding (torch's rule); windows running past the padded input are
// clipped, and avg_pool2d divides by the clipped window (torch's count_include_pad divisor).
Variable max_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding = {0, 0}, bool ceil_mode = false);
Variable avg_pool2d(const Variable& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                    std::array<int64_t, 2> padding = {0, 0}, bool ceil_mode = false);
Variable upsample_nearest2d(const Variable& x, int64_t scale);

// ---- padding and resampling — ops/spatial.cpp (x [..., H, W]: any leading dims) ---------------
// pad = {left, right, top, bottom} (torch.nn.functional.pad's order for the last two dims), >= 0.
// Constant: `value` outside x; dx = dy's centre (a slice). Reflect: mirrored about the edge
// without repeating it (each pad < that dim's size); dx sums the mirrored gradients back.
enum class PadMode { Constant, Reflect };
Variable pad2d(const Variable& x, std::array<int64_t, 4> pad, PadMode mode = PadMode::Constant,
               double value = 0.0);
// [..., C r^2, H, W] -> [..., C, H r, W r]: y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w].
Variable pixel_shuffle(const Variable& x, int64_t upscale_factor);
// Bilinear resampling to `size` {OH, OW}, torch's interpolate(mode='bilinear', size=...):
// align_corners false maps output centres to input centres (src = (o + 0.5) H / OH - 0.5,
// clamped at 0); true maps corner pixels to corners (src = o (H - 1) / (OH - 1)). Linear in x:
// y = A_h x A_w^T with interpolation matrices A [OH, H], [OW, W], so dx = A_h^T dy A_w.
Variable upsample_bilinear2d(const Variable& x, std::array<int64_t, 2> size,
                             bool align_corners = false);
// The mean over bins [floor(o H / OH), ceil((o + 1) H / OH)) for each output (o, same for W),
// torch's adaptive_avg_pool2d: y = P_h x P_w^T with averaging matrices P.
Variable adaptive_avg_pool2d(const Variable& x, std::array<int64_t, 2> size);
// The backward functions of the five ops above, as differentiable ops of their own (each one's
// derivatives are the family's other members), so second derivatives flow through conv/pool.
// dx [N, C, H, W] from dy [N, O, OH, OW] and w [O, C, KH, KW] (the adjoint of x -> conv2d(x, w)).
Variable conv2d_backward_input(const Variable& dy, const Variable& w, const Shape& x_shape,
                               const Conv2dArgs& args = {});
// dw [O, C, KH, KW] from dy [N, O, OH, OW] and x [N, C, H, W] (the adjoint of w -> conv2d(x, w)).
Variable conv2d_backward_weight(const Variable& dy, const Variable& x, const Shape& w_shape,
                                const Conv2dArgs& args = {});
// dy [N, C, OH, OW] added into zeros(x_shape) at the int64 argmax indices from max_pool2d.
Variable max_pool2d_backward(const Variable& dy, const Tensor& indices, const Shape& x_shape);
Variable avg_pool2d_backward(const Variable& dy, const Shape& x_shape, std::array<int64_t, 2> kernel,
                             std::array<int64_t, 2> stride, std::array<int64_t, 2> padding = {0, 0});
Variable upsample_nearest2d_backward(const Variable& dy, int64_t scale);  // s x s block sums

// conv2d(upsample_nearest2d(x, 2), w, b, stride 1, padding 1) for w [O, C, 3, 3], computed on
// x's grid (ops/upsample_conv.cpp): x [N, C, H, W] -> y [N, O, 2H, 2W], 2.25x fewer multiply-adds.
Variable upsample_conv2d(const Variable& x, const Variable& w, const Variable& b);
// Its adjoints: dx [N, C, H, W] from dy and w; dw [O, C, 3, 3] from dy and x.
Variable upsample_conv2d_backward_input(const Variable& dy, const Variable& w);
Variable upsample_conv2d_backward_weight(const Variable& dy, const Variable& x);

// ---- losses — ops/loss.cpp ---------------------------------------------------------------------
// Elementwise max(x,0) - x t + log(1 + exp(-|x|)): stable at logits of +-1000. Returns the
// per-element loss (reduce it with mean/sum). t is a target in [0, 1], broadcast to x.
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& target);

}  // namespace nash
