// Training health: a watch on a gan::Run's steps that stops a broken run and names what broke,
// and that points out the classic ways a GAN fails while it still trains.
//   stops (throws nash::Error): a non-finite loss or gradient norm, naming the step, the network
//     and the quantity, before the step's metrics or any checkpoint are written;
//   warns (once each, through a callback; the library never prints):
//     D has won       D(G(z)) < 0.01 for `patience` steps (logit objectives)
//     G's gradient has vanished   ||grad G|| < 1e-7 for `patience` steps
//     critic at the clip bound    over 95% of the critic's weights at +-clip for `patience` steps
//
//   gan::watch_health(run, [](const gan::HealthWarning& w) { std::fprintf(stderr, "%s\n", w.text().c_str()); });
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "gan/run.h"

namespace nash::gan {

struct HealthWarning {
  int64_t step = 0;
  std::string what;     // "D has won"
  std::string meaning;  // what it means for training
  std::string advice;   // what a user usually tries
  std::string text() const;  // one line: "step N: what: meaning; try advice"
};

struct HealthOptions {
  int64_t patience = 50;          // steps a signature must last before it is reported
  double d_won = 0.01;            // D(G(z)) below this: D has won
  double vanished = 1e-7;         // ||grad G|| below this: G's gradient has vanished
  double clipped = 0.95;          // share of critic weights at the clip bound
};

// Attaches the watch to `run` (an on_step hook); `warn` receives each warning once.
void watch_health(Run& run, std::function<void(const HealthWarning&)> warn, HealthOptions options = {});

}  // namespace nash::gan
