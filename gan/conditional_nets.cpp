// The conditional generator (conditional BatchNorm) and the projection discriminator: explicit
// forwards, since labels reach layers inside the network, not only its input.
#include "gan/conditional_nets.h"

#include "nn/layers/conditional_batchnorm.h"
#include "nn/layers/minibatch_std.h"
#include "nn/layers/self_attention.h"
#include "tensor/ops.h"

namespace nash::gan {
namespace {

std::shared_ptr<nn::Conv2d> conv3(int64_t in, int64_t out, int64_t stride, Rng& rng) {
  auto c = std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in_channels = in, .out_channels = out,
                                                          .kernel_size = 3, .stride = stride, .padding = 1},
                                        rng);
  nn::init::normal_(c->weight, 0.0, 0.02, rng);
  return c;
}

// The layer itself, or the layer wrapped in spectral norm.
template <class M>
std::shared_ptr<nn::Module> maybe_sn(std::shared_ptr<M> layer, bool sn, Rng& rng) {
  if (!sn) return layer;
  return nn::spectral_norm(std::move(layer), {}, rng);
}

void check_labels(const char* who, const Tensor& labels, int64_t n, int64_t k) {
  NASH_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.shape() == Shape{n},
             who, ": a conditional network needs int64 labels [", n, "], got ",
             labels.defined() ? shape_str(labels.shape()) : std::string("undefined"));
  for (int64_t y : labels.values<int64_t>())
    NASH_CHECK(y >= 0 && y < k, who, ": labels must be in [0, ", k, "), got ", y);
}

class ConditionalDcganGenerator : public Generator {
 public:
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::ConditionalBatchNorm2d> bn0, bn1, bn2;
  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3_out;
  std::shared_ptr<nn::SelfAttention> attention;  // null unless options.self_attention
  int64_t s;                                     // S / 4

  ConditionalDcganGenerator(const ConditionalGeneratorOptions& o, Rng& rng)
      : Generator("ConditionalDcganGenerator"), s(o.image_size / 4) {
    NASH_CHECK(o.num_classes >= 1 && o.noise_dim >= 1 && o.channels >= 1 &&
                   o.image_size % 4 == 0 && o.image_size >= 8,
               "make_conditional_dcgan_generator: expected num_classes, noise_dim, channels >= 1 "
               "and image_size a multiple of 4 (>= 8), got ", o.num_classes, ", ", o.noise_dim,
               ", ", o.channels, ", ", o.image_size);
    NASH_CHECK(!o.self_attention || 2 * s <= 16,
               "make_conditional_dcgan_generator: self-attention at ", 2 * s, "x", 2 * s,
               " is too large (feature maps of at most 16x16: image_size <= 32)");
    noise_dim = o.noise_dim;
    num_classes = o.num_classes;
    sample_shape = {o.channels, o.image_size, o.image_size};
    const int64_t k = o.num_classes;
    auto cbn = [&](int64_t c, double eps) {
      auto bn = std::make_shared<nn::ConditionalBatchNorm2d>(
          nn::ConditionalBatchNormOptions{.num_features = c, .num_classes = k, .eps = eps});
      nn::init::normal_(bn->weight, 1.0, 0.02, rng);
      return bn;
    };
    // make_dcgan_generator's sizes and eps values (0.8 where dcgan.py passes it).
    fc = register_module("fc", std::make_shared<nn::Linear>(o.noise_dim, 128 * s * s, true, rng));
    bn0 = register_module("bn0", cbn(128, 1e-5));
    conv1 = register_module("conv1", conv3(128, 128, 1, rng));
    bn1 = register_module("bn1", cbn(128, 0.8));
    if (o.self_attention)
      attention = register_module("attention", std::make_shared<nn::SelfAttention>(
                                                   nn::SelfAttentionOptions{.channels = 128}, rng));
    conv2 = register_module("conv2", conv3(128, 64, 1, rng));
    bn2 = register_module("bn2", cbn(64, 0.8));
    conv3_out = register_module("conv3", conv3(64, o.channels, 1, rng));
  }

  Variable generate(const Variable& z, const Tensor& labels) override {
    NASH_CHECK(z.dim() == 2 && z.size(1) == noise_dim, "ConditionalDcganGenerator: expected noise [N, ",
               noise_dim, "], got ", z.shape());
    const int64_t n = z.size(0);
    check_labels("ConditionalDcganGenerator", labels, n, num_classes);
    Variable h = bn0->forward(reshape(fc->forward(z), {n, 128, s, s}), labels);
    h = leaky_relu(bn1->forward(conv1->forward(upsample_nearest2d(h, 2)), labels), 0.2);
    if (attention) h = attention->forward(h);  // [N, 128, S/2, S/2]
    h = leaky_relu(bn2->forward(conv2->forward(upsample_nearest2d(h, 2)), labels), 0.2);
    return tanh(conv3_out->forward(h));  // [N, C, S, S]
  }
  Variable forward(const Variable& z) override { return generate(z, Tensor()); }
};

class ProjectionDiscriminator : public Discriminator {
 public:
  std::vector<std::shared_ptr<nn::Module>> convs;  // phi's four convs (maybe spectral-normed)
  std::vector<std::shared_ptr<nn::Dropout2d>> dropouts;
  std::shared_ptr<nn::SelfAttention> attention;    // after the second conv, or null
  std::shared_ptr<nn::MinibatchStd> mbstd;         // before the head, or null
  std::shared_ptr<nn::Module> psi;                 // Linear(F, 1)
  std::shared_ptr<nn::Module> embed;               // Embedding(K, F), null when K = 0
  Shape input_shape;                               // [C, S, S]

  ProjectionDiscriminator(const ProjectionDiscriminatorOptions& o, Rng& rng)
      : Discriminator("ProjectionDiscriminator"), input_shape{o.channels, o.image_size, o.image_size} {
    NASH_CHECK(o.num_classes >= 0 && o.channels >= 1 && o.image_size >= 4 && o.dropout >= 0 && o.dropout < 1,
               "make_projection_discriminator: expected num_classes >= 0, channels >= 1, "
               "image_size >= 4 and dropout in [0, 1), got ", o.num_classes, ", ", o.channels,
               ", ", o.image_size, ", ", o.dropout);
    num_classes = o.num_classes;
    int64_t in = o.channels, size = o.image_size;
    const int64_t widths[] = {16, 32, 64, 128};
    for (int i = 0; i < 4; ++i) {
      convs.push_back(register_module("conv" + std::to_string(i),
                                      maybe_sn(conv3(in, widths[i], 2, rng), o.spectral_norm, rng)));
      dropouts.push_back(register_module("dropout" + std::to_string(i),
                                         std::make_shared<nn::Dropout2d>(o.dropout, rng)));
      in = widths[i];
      size = (size + 2 - 3) / 2 + 1;
      if (i == 1 && o.self_attention)
        attention = register_module("attention", std::make_shared<nn::SelfAttention>(
                                                     nn::SelfAttentionOptions{.channels = 32, .spectral_norm = o.spectral_norm}, rng));
    }
    if (o.minibatch_std) mbstd = register_module("mbstd", std::make_shared<nn::MinibatchStd>());
    const int64_t features = (128 + (o.minibatch_std ? 1 : 0)) * size * size;  // F
    psi = register_module("psi", maybe_sn(std::make_shared<nn::Linear>(features, 1, true, rng),
                                          o.spectral_norm, rng));
    if (o.num_classes > 0) {
      auto e = std::make_shared<nn::Embedding>(o.num_classes, features, rng);
      nn::init::normal_(e->weight, 0.0, 0.02, rng);
      embed = register_module("embed", maybe_sn(e, o.spectral_norm, rng));
    }
  }

  Variable score(const Variable& x, const Tensor& labels) override {
    NASH_CHECK(x.dim() == 4 && Shape(x.shape().begin() + 1, x.shape().end()) == input_shape,
               "ProjectionDiscriminator: expected images [N, ", input_shape[0],
               ", ", input_shape[1], ", ", input_shape[2], "], got ", x.shape());
    if (embed) check_labels("ProjectionDiscriminator", labels, x.size(0), num_classes);
    Variable h = x;
    for (size_t i = 0; i < convs.size(); ++i) {
      h = dropouts[i]->forward(leaky_relu(convs[i]->forward(h), 0.2));
      if (i == 1 && attention) h = attention->forward(h);
    }
    if (mbstd) h = mbstd->forward(h);
    Variable phi = flatten(h, 1);               // [N, F]
    Variable out = psi->forward(phi);           // [N, 1]
    if (!embed) return out;
    Variable e = embed->forward(Variable(labels));  // [N, F]
    return out + sum(e * phi, {1}, true);       // + <embed(y), phi(x)>
  }
  Variable forward(const Variable& x) override { return score(x, Tensor()); }
};

}  // namespace

std::shared_ptr<Generator> make_conditional_dcgan_generator(const ConditionalGeneratorOptions& options,
                                                            Rng& rng) {
  return std::make_shared<ConditionalDcganGenerator>(options, rng);
}

std::shared_ptr<Discriminator> make_projection_discriminator(
    const ProjectionDiscriminatorOptions& options, Rng& rng) {
  return std::make_shared<ProjectionDiscriminator>(options, rng);
}

}  // namespace nash::gan
