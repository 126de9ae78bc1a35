// nash::nn in one include: the Module base, initialisers, every layer, the losses, the
// optimizers (nash::nn::optim), checkpoints and the data readers/loaders.
//
//   #include "nn/nn.h"
//   using namespace nash::nn;
//   manual_seed(0);
//   Sequential d(std::make_shared<Linear>(784, 512), std::make_shared<LeakyReLU>(0.2),
//                std::make_shared<Linear>(512, 1));
//   nash::Variable logits = d(x);   // x [N, 784] -> [N, 1]
#pragma once

#include "nn/averaged.h"
#include "nn/checkpoint.h"
#include "nn/data/idx.h"
#include "nn/data/loader.h"
#include "nn/init.h"
#include "nn/loss.h"
#include "nn/module.h"
#include "nn/optim.h"

#include "nn/layers/activation.h"
#include "nn/layers/batchnorm.h"
#include "nn/layers/conv.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/groupnorm.h"
#include "nn/layers/layernorm.h"
#include "nn/layers/linear.h"
#include "nn/layers/maxout.h"
#include "nn/layers/padding.h"
#include "nn/layers/pooling.h"
#include "nn/layers/sequential.h"
#include "nn/layers/shape.h"
#include "nn/layers/spectral_norm.h"
#include "nn/layers/upsample_conv.h"
