// Image metrics for the Fashion-MNIST GANs, all judged by a trained nn::FashionCnn:
//   classifier_features     its 128 penultimate activations (the Fréchet features)
//   image_frechet_distance  the FID formula (gan/metrics/frechet.h) on those features
//   image_feature_metrics   FD, KID, precision/recall, density/coverage on those features
//   label_accuracy          how often it names the class a conditional G was asked for
//   class_histogram         how many images it puts in each class (mode coverage)
// Every function runs the classifier in eval mode under no-grad, in batches, and restores the
// model's train/eval mode afterwards. Images are [N, 1, 28, 28] in [-1, 1] (tanh G output).
//
//   nn::FashionCnn cnn;  nn::load_checkpoint("runs/fashion_cnn.safetensors", cnn);
//   double fd = gan::image_frechet_distance(cnn, test.images, trainer.sample(z));
#pragma once
#include <cstdint>
#include <vector>

#include "gan/metrics/feature_metrics.h"
#include "nn/models/classifier.h"
#include "tensor/tensor.h"

namespace nash::gan {

// images [N, 1, 28, 28] -> features [N, D] float32 (D = cnn.options.feature_dim).
Tensor classifier_features(nn::FashionCnn& cnn, const Tensor& images, int64_t batch = 500);

// Fréchet distance between Gaussians fitted to the features of real [N, ...] and fake [M, ...]
// (N, M >= 2).
double image_frechet_distance(nn::FashionCnn& cnn, const Tensor& real, const Tensor& fake);

// Every metric of gan/metrics/feature_metrics.h on the classifier features of real [N, ...] and
// fake [M, ...] images (N, M larger than the k of the k-NN metrics). rng draws KID's subsets.
FeatureMetrics image_feature_metrics(nn::FashionCnn& cnn, const Tensor& real, const Tensor& fake,
                                     Rng& rng, const FeatureMetricsOptions& options = {});

// Fraction of images [N, ...] whose argmax class equals labels (int64 [N]).
double label_accuracy(nn::FashionCnn& cnn, const Tensor& images, const Tensor& labels);

// The classifier's argmax class for each image, as counts per class (size 10, sums to N).
std::vector<int64_t> class_histogram(nn::FashionCnn& cnn, const Tensor& images);

}  // namespace nash::gan
