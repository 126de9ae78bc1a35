// The weight average's two updates, one blend: avg <- decay * avg + (1 - decay) * model.
#include "nn/averaged.h"

#include "tensor/ops.h"

namespace nash::nn {

namespace {
// avg <- decay * avg + (1 - decay) * model for every parameter (a plain copy at decay 0); buffers
// copied. `op` names the caller in errors; everything is checked before anything is written.
void blend_into(Module& avg, const Module& model, double decay, const char* op) {
  auto w = model.parameters(), a = avg.parameters();
  auto wb = model.named_buffers(), ab = avg.named_buffers();
  NASH_CHECK(w.size() == a.size() && wb.size() == ab.size(), op, ": the average has ", a.size(),
             " parameters and ", ab.size(), " buffers, the model ", w.size(), " and ", wb.size());
  for (size_t i = 0; i < w.size(); ++i)
    NASH_CHECK(a[i].shape() == w[i].shape() && a[i].dtype() == w[i].dtype(), op, ": parameter ",
               i, " is ", dtype_name(a[i].dtype()), " ", a[i].shape(), " in the average but ",
               dtype_name(w[i].dtype()), " ", w[i].shape(), " in the model");
  for (size_t i = 0; i < wb.size(); ++i)
    NASH_CHECK(ab[i].second.shape() == wb[i].second.shape(), op, ": buffer '", ab[i].first,
               "' is ", ab[i].second.shape(), " in the average but ", wb[i].second.shape(),
               " in the model");
  NoGradGuard no_grad;
  for (size_t i = 0; i < w.size(); ++i) {
    Tensor& t = a[i].mutable_value();
    if (decay == 0) {
      copy_(t, w[i].value());
    } else {
      mul_(t, decay);
      add_(t, mul(w[i].value(), 1.0 - decay));
    }
  }
  for (size_t i = 0; i < wb.size(); ++i) copy_(ab[i].second, wb[i].second);
}
}  // namespace

void ema_update(Module& avg, const Module& model, double decay) {
  NASH_CHECK(decay >= 0 && decay < 1, "ema_update: decay must be in [0, 1), got ", decay);
  blend_into(avg, model, decay, "ema_update");
}

void copy_weights(Module& dst, const Module& src) { blend_into(dst, src, 0.0, "copy_weights"); }

}  // namespace nash::nn
