// Image metrics for the image GANs, all judged by a trained nn::ImageCnn (nn::FashionCnn for
// Fashion-MNIST; gan/metrics/eval_classifier.h gives the one for a run's data set):
//   classifier_features     its D penultimate activations (the Fréchet features)
//   image_frechet_distance  the FID formula (gan/metrics/frechet.h) on those features
//   image_feature_metrics   FD, KID, precision/recall, density/coverage on those features
//   label_accuracy          how often it names the class a conditional G was asked for
//   class_histogram         how many images it puts in each class (mode coverage)
// Every function runs the classifier in eval mode under no-grad, in batches, and restores the
// model's train/eval mode afterwards. Images are [N, C, S, S] in [-1, 1] (tanh G output), the
// shape the classifier was built for.
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

// images [N, C, S, S] -> features [N, D] float32 (D = cnn.options.feature_dim).
Tensor classifier_features(nn::ImageCnn& cnn, const Tensor& images, int64_t batch = 500);

// Fréchet distance between Gaussians fitted to the features of real [N, ...] and fake [M, ...]
// (N, M >= 2).
double image_frechet_distance(nn::ImageCnn& cnn, const Tensor& real, const Tensor& fake);

// Every metric of gan/metrics/feature_metrics.h on the classifier features of real [N, ...] and
// fake [M, ...] images (N, M larger than the k of the k-NN metrics). rng draws KID's subsets.
FeatureMetrics image_feature_metrics(nn::ImageCnn& cnn, const Tensor& real, const Tensor& fake,
                                     Rng& rng, const FeatureMetricsOptions& options = {});

// Fraction of images [N, ...] whose argmax class equals labels (int64 [N]).
double label_accuracy(nn::ImageCnn& cnn, const Tensor& images, const Tensor& labels);

// The classifier's argmax class for each image, as counts per class (size K, sums to N).
std::vector<int64_t> class_histogram(nn::ImageCnn& cnn, const Tensor& images);

}  // namespace nash::gan
