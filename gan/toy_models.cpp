// The toy MLPs: one Sequential trunk each, built from an MlpSpec.
#include "gan/toy_models.h"

#include "tensor/ops.h"

namespace nash::gan {

using nn::Sequential;

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::LeakyRelu: return "lrelu";
    case Activation::Elu: return "elu";
    case Activation::Tanh: return "tanh";
    case Activation::Maxout: return "maxout";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  for (Activation a : {Activation::Relu, Activation::LeakyRelu, Activation::Elu, Activation::Tanh,
                       Activation::Maxout})
    if (name == activation_name(a)) return a;
  fail("unknown activation '", name, "' (expected relu, lrelu, elu, tanh or maxout)");
}

namespace {

class MlpGenerator : public Generator {
 public:
  std::shared_ptr<Sequential> body;
  MlpGenerator(std::shared_ptr<Sequential> b, int64_t z, int64_t out) : Generator("Generator") {
    noise_dim = z;
    sample_shape = Shape{out};
    body = register_module("model", std::move(b));
  }
  Variable generate(const Variable& z, const Tensor& labels) override {
    NASH_CHECK(z.dim() == 2 && z.size(1) == noise_dim, "Generator: expected noise [N, ",
               noise_dim, "], got ", z.shape());
    NASH_CHECK(!labels.defined(), "Generator: the toy generator is unconditional");
    return body->forward(z);  // [N, D]
  }
  Variable forward(const Variable& z) override { return generate(z, Tensor()); }
};

class MlpDiscriminator : public Discriminator {
 public:
  std::shared_ptr<Sequential> body;
  double input_scale;
  MlpDiscriminator(std::shared_ptr<Sequential> b, double scale)
      : Discriminator("Discriminator"), input_scale(scale) {
    body = register_module("model", std::move(b));
  }
  Variable score(const Variable& x, const Tensor& labels) override {
    NASH_CHECK(!labels.defined(), "Discriminator: the toy discriminator is unconditional");
    Variable in = flatten(x, 1);  // [N, D * pack]
    return body->forward(input_scale == 1.0 ? in : in * input_scale);  // [N, 1]
  }
  Variable forward(const Variable& x) override { return score(x, Tensor()); }
};

// (Linear, [BatchNorm], activation) x layers, then Linear(hidden, out).
std::shared_ptr<Sequential> mlp(int64_t in, int64_t out, const MlpSpec& s, bool allow_bn,
                                Rng& rng) {
  NASH_CHECK(s.hidden >= 1 && s.layers >= 1, "toy MLP: hidden and layers must be >= 1, got ",
             s.hidden, " and ", s.layers);
  auto b = std::make_shared<Sequential>();
  for (int64_t i = 0; i < s.layers; ++i) {
    if (s.activation == Activation::Maxout) {
      b->emplace_back<nn::Maxout>(
          nn::MaxoutOptions{.in_features = in, .out_features = s.hidden, .pieces = s.pieces}, rng);
    } else {
      b->emplace_back<nn::Linear>(in, s.hidden, true, rng);
      if (allow_bn && s.batch_norm) b->emplace_back<nn::BatchNorm1d>(s.hidden);
      switch (s.activation) {
        case Activation::Relu: b->emplace_back<nn::ReLU>(); break;
        case Activation::LeakyRelu: b->emplace_back<nn::LeakyReLU>(s.slope); break;
        case Activation::Elu: b->emplace_back<nn::ELU>(); break;
        case Activation::Tanh: b->emplace_back<nn::Tanh>(); break;
        case Activation::Maxout: break;
      }
    }
    in = s.hidden;
  }
  b->emplace_back<nn::Linear>(in, out, true, rng);
  return b;
}

}  // namespace

std::shared_ptr<Generator> make_mlp_toy_generator(int64_t noise_dim, int64_t out_dim,
                                                     const MlpSpec& spec, Rng& rng) {
  NASH_CHECK(noise_dim >= 1 && out_dim >= 1, "make_mlp_toy_generator: bad sizes ", noise_dim,
             " -> ", out_dim);
  return std::make_shared<MlpGenerator>(mlp(noise_dim, out_dim, spec, true, rng), noise_dim, out_dim);
}

std::shared_ptr<Discriminator> make_mlp_toy_discriminator(int64_t in_dim, int64_t pack,
                                                             const MlpSpec& spec, Rng& rng) {
  NASH_CHECK(in_dim >= 1 && pack >= 1, "make_mlp_toy_discriminator: bad input ", in_dim,
             " x pack ", pack);
  return std::make_shared<MlpDiscriminator>(mlp(in_dim * pack, 1, spec, false, rng), spec.input_scale);
}

}  // namespace nash::gan
