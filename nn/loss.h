// Loss functions and their modules, with PyTorch's semantics and defaults (torch.nn.functional):
// each computes a per-element (or per-sample) loss from autograd ops, then reduces it by the
// Reduction: Mean (the default), Sum, or None (the unreduced loss, shaped like the input).
// Losses compose ops; none writes a backward.
//
// Shape letters: N batch, K classes, "..." any shape (input and target must match exactly).
//
//   Variable d_real = D(x);                                          // [N, 1] logits
//   Variable loss = nn::binary_cross_entropy_with_logits(d_real, ones_like(d_real.value()));
//   nn::CrossEntropyLoss ce(nn::Reduction::Mean, /*label_smoothing=*/0.1);
//   Variable l = ce(logits, labels);                                 // [N, K], int64 [N] -> []
//   Variable s = nn::cross_entropy(logits, soft_labels);             // [N, K], float [N, K] -> []
#pragma once
#include <string>

#include "autograd/ops.h"
#include "nn/module.h"

namespace nash::nn {

enum class Reduction { Mean, Sum, None };
const char* reduction_name(Reduction reduction);  // "mean", "sum", "none"

// ---- functions ---------------------------------------------------------------------------------
// -w [t log(p) + (1 - t) log(1 - p)], p in [0, 1], each log clamped at -100 like torch (so p = 0
// or 1 gives a finite loss and gradient). p, t: [...]; weight broadcasts to p (no gradient).
Variable binary_cross_entropy(const Variable& probabilities, const Variable& target,
                              Reduction reduction = Reduction::Mean, const Tensor& weight = {});

// The same on logits x, computed stably (finite at x = +-1000):
//   w [(1 - t) x + (1 + (pw - 1) t) softplus(-x)] = w [max(x,0) - x t + log(1 + e^-|x|)] at pw = 1.
// x, t: [...]; weight and pos_weight (the weight of positives, e.g. [K] for x [N, K]) broadcast to x.
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& target,
                                          Reduction reduction = Reduction::Mean,
                                          const Tensor& weight = {}, const Tensor& pos_weight = {});

// (x - t)^2 and |x - t|; x, t: [...].
Variable mse_loss(const Variable& input, const Variable& target,
                  Reduction reduction = Reduction::Mean);
Variable l1_loss(const Variable& input, const Variable& target,
                 Reduction reduction = Reduction::Mean);

// -w[t_i] log_probs[i, t_i] for log_probs [N, K] and int64 class indices t [N] in [0, K).
// weight [K] is a per-class weight; Mean divides by sum_i w[t_i] (like torch), not by N.
// Samples whose target is ignore_index (torch's default -100) add 0 and are left out of Mean's
// divisor (all ignored: 0 / 0 = NaN, as torch).
Variable nll_loss(const Variable& log_probs, const Tensor& target,
                  Reduction reduction = Reduction::Mean, const Tensor& weight = {},
                  int64_t ignore_index = -100);

// Class indices (int64 t [N]): nll_loss(log_softmax(logits, 1), t), ignore_index as there. With
// label smoothing e the target becomes (1 - e) one_hot(t) + e / K:
// loss = (1 - e) nll + (e / K) sum_k -w_k log_softmax_k, reduced as torch does (Mean with a
// weight divides both terms by sum_i w[t_i] over the samples not ignored).
// Class probabilities (a float target [N, K], soft labels): loss_i = -sum_k w_k t_ik
// log_softmax_ik (t smoothed as above first); Mean divides by N, whatever the weight (torch's
// rule for probability targets); ignore_index must stay negative (torch rejects it too). The
// target gets no gradient.
Variable cross_entropy(const Variable& logits, const Tensor& target,
                       Reduction reduction = Reduction::Mean, double label_smoothing = 0.0,
                       const Tensor& weight = {}, int64_t ignore_index = -100);

// ---- modules: hold the options, forward(input, target) ------------------------------------------
struct BCELoss : Module {
  Reduction reduction;
  Tensor weight;
  explicit BCELoss(Reduction reduction = Reduction::Mean, Tensor weight = {});
  using Module::forward;
  Variable forward(const Variable& probabilities, const Variable& target);
  Variable operator()(const Variable& p, const Variable& t) { return forward(p, t); }
  std::string extra_repr() const override;
};

struct BCEWithLogitsLoss : Module {
  Reduction reduction;
  Tensor weight;
  Tensor pos_weight;
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::Mean, Tensor weight = {},
                             Tensor pos_weight = {});
  using Module::forward;
  Variable forward(const Variable& logits, const Variable& target);
  Variable operator()(const Variable& x, const Variable& t) { return forward(x, t); }
  std::string extra_repr() const override;
};

struct MSELoss : Module {
  Reduction reduction;
  explicit MSELoss(Reduction reduction = Reduction::Mean);
  using Module::forward;
  Variable forward(const Variable& input, const Variable& target);
  Variable operator()(const Variable& x, const Variable& t) { return forward(x, t); }
  std::string extra_repr() const override;
};

struct L1Loss : Module {
  Reduction reduction;
  explicit L1Loss(Reduction reduction = Reduction::Mean);
  using Module::forward;
  Variable forward(const Variable& input, const Variable& target);
  Variable operator()(const Variable& x, const Variable& t) { return forward(x, t); }
  std::string extra_repr() const override;
};

struct NLLLoss : Module {
  Reduction reduction;
  Tensor weight;
  int64_t ignore_index;
  explicit NLLLoss(Reduction reduction = Reduction::Mean, Tensor weight = {},
                   int64_t ignore_index = -100);
  using Module::forward;
  Variable forward(const Variable& log_probs, const Tensor& target);
  Variable operator()(const Variable& x, const Tensor& t) { return forward(x, t); }
  std::string extra_repr() const override;
};

struct CrossEntropyLoss : Module {
  Reduction reduction;
  double label_smoothing;
  Tensor weight;
  int64_t ignore_index;
  explicit CrossEntropyLoss(Reduction reduction = Reduction::Mean, double label_smoothing = 0.0,
                            Tensor weight = {}, int64_t ignore_index = -100);
  using Module::forward;
  Variable forward(const Variable& logits, const Tensor& target);
  Variable operator()(const Variable& x, const Tensor& t) { return forward(x, t); }
  std::string extra_repr() const override;
};

}  // namespace nash::nn
