// The optimizers and gradient utilities in one include: SGD, Adam, AdamW, RMSprop (all
// nash::nn::optim::Optimizer), the learning-rate schedulers (StepLR, ExponentialLR,
// CosineAnnealingLR, LinearDecay, LinearWarmup), clip_grad_norm_ / clip_grad_value_ /
// clamp_parameters_ / grad_norm.
#pragma once
#include "nn/optim/adam.h"       // IWYU pragma: export
#include "nn/optim/clip.h"       // IWYU pragma: export
#include "nn/optim/optimizer.h"  // IWYU pragma: export
#include "nn/optim/rmsprop.h"    // IWYU pragma: export
#include "nn/optim/scheduler.h"  // IWYU pragma: export
#include "nn/optim/sgd.h"        // IWYU pragma: export
