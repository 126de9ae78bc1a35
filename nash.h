// nash in one include, for programs outside this repository: #include <nash/nash.h>.
//   tensor/   strided tensors, kernels, random numbers, file formats      (namespace nash)
//   autograd/ Variables, the ops with their derivatives, gradcheck        (namespace nash)
//   nn/       Module, layers, losses, optimisers, checkpoints, data       (nash::nn, nash::nn::optim)
//   gan/      objectives, networks, the training run, metrics             (nash::gan)
// Inside the repository, include the specific headers ("gan/run.h") instead.
#pragma once

#include "tensor/creation.h"
#include "tensor/error.h"
#include "tensor/io/file.h"
#include "tensor/io/json.h"
#include "tensor/io/npy.h"
#include "tensor/io/png.h"
#include "tensor/io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

#include "autograd/function.h"
#include "autograd/gradcheck.h"
#include "autograd/graphviz.h"
#include "autograd/ops.h"
#include "autograd/variable.h"

#include "nn/models/classifier.h"
#include "nn/nn.h"

#include "gan/data/source.h"
#include "gan/data/toy.h"
#include "gan/losses.h"
#include "gan/metrics/eval_classifier.h"
#include "gan/metrics/frechet.h"
#include "gan/metrics/image_metrics.h"
#include "gan/metrics/toy_metrics.h"
#include "gan/models.h"
#include "gan/objective.h"
#include "gan/presets.h"
#include "gan/run.h"
#include "gan/run_config.h"
#include "gan/toy_models.h"
#include "gan/zoo.h"
