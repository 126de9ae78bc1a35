// GAN networks built from nn layers; each is a Sequential trunk plus, when conditional, a label
// embedding concatenated to the input.
#include "gan/models.h"

#include "nn/layers/upsample_conv.h"
#include "tensor/ops.h"

namespace nash::gan {

using nn::Sequential;

namespace {

// A generator or discriminator whose body is one Sequential, optionally conditioned on labels
// by concatenating a learned embedding of them to the (flattened) input.
class SequentialGenerator : public Generator {
 public:
  std::shared_ptr<Sequential> body;
  std::shared_ptr<nn::Embedding> label_embedding;  // null when unconditional

  SequentialGenerator(std::shared_ptr<Sequential> b, int64_t z, int64_t k, Shape shape,
                      Rng& rng)
      : Generator("Generator") {
    noise_dim = z;
    num_classes = k;
    sample_shape = std::move(shape);
    if (k > 0) label_embedding = register_module("label_emb", std::make_shared<nn::Embedding>(k, k, rng));
    body = register_module("model", std::move(b));
  }

  Variable generate(const Variable& z, const Tensor& labels) override {
    NASH_CHECK(z.dim() == 2 && z.size(1) == noise_dim, "Generator: expected noise [N, ",
               noise_dim, "], got ", z.shape());
    Variable input = z;
    if (label_embedding) {
      NASH_CHECK(labels.defined() && labels.shape() == Shape{z.size(0)},
                 "Generator: a conditional generator needs labels [", z.size(0), "], got ",
                 labels.defined() ? labels.shape() : Shape{});
      input = cat({label_embedding->forward(labels), z}, 1);  // [N, K + Z]
    }
    Shape out_shape{z.size(0)};
    out_shape.insert(out_shape.end(), sample_shape.begin(), sample_shape.end());
    return reshape(body->forward(input), out_shape);
  }
  Variable forward(const Variable& z) override { return generate(z, Tensor()); }
};

class SequentialDiscriminator : public Discriminator {
 public:
  std::shared_ptr<Sequential> body;
  std::shared_ptr<nn::Embedding> label_embedding;
  bool flatten_input;

  SequentialDiscriminator(std::shared_ptr<Sequential> b, int64_t k, bool flatten, Rng& rng)
      : Discriminator("Discriminator"), flatten_input(flatten) {
    num_classes = k;
    if (k > 0) label_embedding = register_module("label_emb", std::make_shared<nn::Embedding>(k, k, rng));
    body = register_module("model", std::move(b));
  }

  Variable score(const Variable& x, const Tensor& labels) override {
    Variable input = flatten_input ? flatten(x, 1) : x;
    if (label_embedding) {
      NASH_CHECK(labels.defined() && labels.shape() == Shape{x.size(0)},
                 "Discriminator: a conditional discriminator needs labels [", x.size(0),
                 "], got ", labels.defined() ? labels.shape() : Shape{});
      input = cat({input, label_embedding->forward(labels)}, 1);  // [N, D + K]
    }
    return body->forward(input);
  }
  Variable forward(const Variable& x) override { return score(x, Tensor()); }
};

std::shared_ptr<nn::Linear> linear(int64_t in, int64_t out, Rng& rng) {
  return std::make_shared<nn::Linear>(in, out, true, rng);
}

}  // namespace

std::shared_ptr<Generator> make_toy_generator(int64_t noise_dim, int64_t out_dim,
                                                 int64_t hidden, Rng& rng) {
  auto b = std::make_shared<Sequential>();
  b->push_back(linear(noise_dim, hidden, rng));
  b->emplace_back<nn::ReLU>();
  b->push_back(linear(hidden, hidden, rng));
  b->emplace_back<nn::ReLU>();
  b->push_back(linear(hidden, out_dim, rng));
  return std::make_shared<SequentialGenerator>(b, noise_dim, 0, Shape{out_dim}, rng);
}

std::shared_ptr<Discriminator> make_toy_discriminator(int64_t in_dim, int64_t hidden,
                                                         int64_t pack, Rng& rng) {
  NASH_CHECK(pack >= 1, "make_toy_discriminator: pack must be >= 1, got ", pack);
  auto b = std::make_shared<Sequential>();
  b->push_back(linear(in_dim * pack, hidden, rng));
  b->emplace_back<nn::LeakyReLU>(0.2);
  b->push_back(linear(hidden, hidden, rng));
  b->emplace_back<nn::LeakyReLU>(0.2);
  b->push_back(linear(hidden, 1, rng));
  return std::make_shared<SequentialDiscriminator>(b, 0, true, rng);
}

std::shared_ptr<Generator> make_mlp_generator(int64_t noise_dim, int64_t num_classes,
                                              const Shape& image, Rng& rng) {
  NASH_CHECK(image.size() == 3, "make_mlp_generator: expected an image shape [C, H, W], got ", image);
  const int64_t pixels = image[0] * image[1] * image[2];
  auto b = std::make_shared<Sequential>();
  int64_t in = noise_dim + num_classes;
  // gan.py's block(in, out, normalize): Linear, BatchNorm1d(out, 0.8) (0.8 lands in eps), LReLU
  const int64_t widths[] = {128, 256, 512, 1024};
  for (int64_t w : widths) {
    b->push_back(linear(in, w, rng));
    if (w != 128) b->emplace_back<nn::BatchNorm1d>(nn::BatchNormOptions{.num_features = w, .eps = 0.8});
    b->emplace_back<nn::LeakyReLU>(0.2);
    in = w;
  }
  b->push_back(linear(in, pixels, rng));
  b->emplace_back<nn::Tanh>();
  return std::make_shared<SequentialGenerator>(b, noise_dim, num_classes, image, rng);
}

std::shared_ptr<Discriminator> make_mlp_discriminator(int64_t num_classes, const Shape& image,
                                                      Rng& rng) {
  NASH_CHECK(image.size() == 3, "make_mlp_discriminator: expected an image shape [C, H, W], got ", image);
  const int64_t pixels = image[0] * image[1] * image[2];
  auto b = std::make_shared<Sequential>();
  if (num_classes == 0) {  // gan.py
    b->push_back(linear(pixels, 512, rng));
    b->emplace_back<nn::LeakyReLU>(0.2);
    b->push_back(linear(512, 256, rng));
    b->emplace_back<nn::LeakyReLU>(0.2);
    b->push_back(linear(256, 1, rng));
  } else {  // cgan.py
    b->push_back(linear(pixels + num_classes, 512, rng));
    b->emplace_back<nn::LeakyReLU>(0.2);
    for (int i = 0; i < 2; ++i) {
      b->push_back(linear(512, 512, rng));
      b->emplace_back<nn::Dropout>(0.4, rng);
      b->emplace_back<nn::LeakyReLU>(0.2);
    }
    b->push_back(linear(512, 1, rng));
  }
  return std::make_shared<SequentialDiscriminator>(b, num_classes, true, rng);
}

namespace {
// dcgan.py's weights_init_normal: conv weights N(0, 0.02); BatchNorm weight N(1, 0.02), bias 0.
void dcgan_init(nn::Module& m, Rng& rng) {
  for (auto& [name, child] : m.named_children()) {
    if (auto conv = std::dynamic_pointer_cast<nn::Conv2d>(child)) {
      nn::init::normal_(conv->weight, 0.0, 0.02, rng);
    } else if (auto bn = std::dynamic_pointer_cast<nn::BatchNorm>(child)) {
      nn::init::normal_(bn->weight, 1.0, 0.02, rng);
      nn::init::zeros_(bn->bias);
    }
    dcgan_init(*child, rng);
  }
}
}  // namespace

std::shared_ptr<Generator> make_dcgan_generator(int64_t noise_dim, int64_t image_size,
                                                int64_t channels, Rng& rng) {
  NASH_CHECK(image_size % 4 == 0 && image_size >= 8 && channels >= 1,
             "make_dcgan_generator: image_size must be a multiple of 4 (>= 8) and channels >= 1, got ",
             image_size, " and ", channels);
  const int64_t s = image_size / 4;
  auto conv3 = [&rng](int64_t in, int64_t out) {
    return std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in_channels = in, .out_channels = out, .kernel_size = 3, .padding = 1}, rng);
  };
  auto b = std::make_shared<Sequential>();
  b->push_back(linear(noise_dim, 128 * s * s, rng));
  b->emplace_back<nn::Unflatten>(1, Shape{128, s, s});
  b->emplace_back<nn::BatchNorm2d>(128);
  // Nearest x2 upsampling then a 3x3 convolution, folded into one op that convolves the input
  // grid with four 2x2 phase kernels: the same function in 4/9 of the multiply-adds.
  b->emplace_back<nn::UpsampleConv2d>(nn::UpsampleConv2dOptions{.in_channels = 128, .out_channels = 128}, rng);
  b->emplace_back<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = 128, .eps = 0.8});
  b->emplace_back<nn::LeakyReLU>(0.2);
  b->emplace_back<nn::UpsampleConv2d>(nn::UpsampleConv2dOptions{.in_channels = 128, .out_channels = 64}, rng);
  b->emplace_back<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = 64, .eps = 0.8});
  b->emplace_back<nn::LeakyReLU>(0.2);
  b->push_back(conv3(64, channels));
  b->emplace_back<nn::Tanh>();
  auto g = std::make_shared<SequentialGenerator>(b, noise_dim, 0, Shape{channels, image_size, image_size}, rng);
  dcgan_init(*g, rng);
  return g;
}

std::shared_ptr<Discriminator> make_dcgan_discriminator(int64_t image_size, int64_t channels,
                                                        bool batch_norm, Rng& rng) {
  NASH_CHECK(image_size >= 1 && channels >= 1, "make_dcgan_discriminator: bad image size ",
             image_size, " or channels ", channels);
  auto b = std::make_shared<Sequential>();
  int64_t in = channels, size = image_size;
  const int64_t widths[] = {16, 32, 64, 128};
  for (int64_t w : widths) {
    b->emplace_back<nn::Conv2d>(
        nn::Conv2dOptions{.in_channels = in, .out_channels = w, .kernel_size = 3, .stride = 2, .padding = 1}, rng);
    b->emplace_back<nn::LeakyReLU>(0.2);
    b->emplace_back<nn::Dropout2d>(0.25, rng);
    if (batch_norm && w != 16) b->emplace_back<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = w, .eps = 0.8});
    in = w;
    size = (size + 2 - 3) / 2 + 1;
  }
  b->emplace_back<nn::Flatten>(1);
  b->push_back(linear(128 * size * size, 1, rng));
  auto d = std::make_shared<SequentialDiscriminator>(b, 0, false, rng);
  dcgan_init(*d, rng);
  return d;
}

}  // namespace nash::gan
