// Weight averages of a network (Polyak / EMA, as in progressive GANs): a second copy of a model
// whose weights trail the trained ones. Samples from the average are smoother than the model's.
//
//   auto avg = make_model();            // the same architecture as `model`
//   avg->requires_grad_(false);         // the average is never trained
//   nn::copy_weights(*avg, *model);     // start from the model's weights
//   ... every step, after opt.step():
//   nn::ema_update(*avg, *model, 0.999);
#pragma once
#include "nn/module.h"

namespace nash::nn {

// avg <- decay * avg + (1 - decay) * w for every parameter, in place under no-grad; buffers
// (BatchNorm statistics) are copied. `avg` must have model's architecture (the same parameter and
// buffer counts and shapes, in order); decay in [0, 1) (0 copies the parameters).
void ema_update(Module& avg, const Module& model, double decay);

// dst's parameters and buffers <- src's (copied in place, under no-grad), checked as ema_update
// checks. dst's requires_grad flags are left as they are.
void copy_weights(Module& dst, const Module& src);

}  // namespace nash::nn
