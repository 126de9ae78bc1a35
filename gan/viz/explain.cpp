// One D step and one G step of a real Run, drawn as the graphs backprop walks
// (autograd/graphviz.h). The graphs are captured in the run's forward hook, where
// the step has built D's outputs and not yet run backward; the loss on top is the objective's, as
// the step computes it. The backward hook then checks what the graphs claim: G's parameters get
// no gradient in D's step and D's parameters none in G's step.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <unordered_set>

#include "autograd/graphviz.h"
#include "gan/run.h"
#include "gan/viz/explain.h"
#include "tensor/io/file.h"
#include "tensor/ops.h"

namespace nash::gan::viz {

namespace {
namespace fs = std::filesystem;

// Every variable reachable from `root` through the graph (root included).
std::vector<Variable> reachable(const Variable& root) {
  std::vector<Variable> out, stack{root};
  std::unordered_set<const void*> seen{root.impl().get()};
  while (!stack.empty()) {
    Variable v = stack.back();
    stack.pop_back();
    out.push_back(v);
    if (!v.grad_fn()) continue;
    for (const auto& in : v.grad_fn()->inputs)
      if (in.defined() && seen.insert(in.impl().get()).second) stack.push_back(in);
  }
  return out;
}

// The batch that entered D's graph as a plain tensor: the largest unnamed leaf that needs no
// gradient (the fake batch, or what D's first ops made of it before any parameter was involved).
Variable input_batch(const Variable& out) {
  Variable best;
  for (const auto& v : reachable(out))
    if (v.is_leaf() && !v.requires_grad() && v.name().empty() && (!best.defined() || v.numel() > best.numel())) best = v;
  NASH_CHECK(best.defined(), "explain: the step's input batch was not found in D's graph");
  return best;
}

struct StepGraph {
  Variable loss;
  std::unordered_set<const void*> receives;  // parameters the loss sends a gradient to
  size_t nodes = 0;
};

StepGraph capture(const Variable& loss, const std::string& path, const DotOptions& options) {
  StepGraph g{loss, {}, 0};
  for (const auto& v : reachable(loss)) {
    ++g.nodes;
    if (v.is_leaf() && v.requires_grad()) g.receives.insert(v.impl().get());
  }
  save_dot(path, {loss}, options);
  return g;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void parameter_lines(std::ostringstream& o, const StepGraph& g, const nn::Module& m, const char* why_not) {
  for (const auto& [name, p] : m.named_parameters()) {
    const bool yes = g.receives.count(p.impl().get()) > 0;
    char line[256];
    std::snprintf(line, sizeof line, "  %-28s %-14s %s\n", p.name().c_str(), shape_str(p.shape()).c_str(),
                  yes ? "gradient" : why_not);
    o << line;
  }
}
}  // namespace

Explanation explain_step(const RunConfig& c, const std::string& out) {
  Run run(c);
  const Objective& obj = run.objective();
  // Parameters carry their dotted names into the graphs: "G.model.0.weight".
  for (auto& [name, p] : run.generator().named_parameters()) p.set_name("G." + name);
  for (auto& [name, p] : run.discriminator().named_parameters()) p.set_name("D." + name);
  std::error_code ec;
  fs::create_directories(out, ec);
  NASH_CHECK(!ec && fs::is_directory(out), "explain: cannot create directory '", out, "': ", ec.message());

  StepGraph d_step, g_step;
  bool g_grads_untouched = true, d_grads_unchanged = true;
  std::vector<Tensor> d_grads;
  run.on_forward([&](Run& r, Run::Phase phase, const Variable& real_out, const Variable& fake_out) {
    if (phase == Run::Phase::D && !d_step.loss.defined()) {
      Variable loss = obj.d_loss(real_out, fake_out);  // as the step computes it
      Variable fake = input_batch(fake_out);
      fake.set_name("G(z), the fake batch");
      if (obj.penalty && !c.conditional()) {
        // The penalty's graph on points of our own (the step's batches are not at hand): its
        // structure is the step's, its values are not.
        const int64_t m = c.pack;
        auto critic = [&](const Variable& x) {
          return r.discriminator().score(m == 1 ? x : reshape(x, {x.size(0) / m, -1}), Tensor());
        };
        Rng rng(c.seed);
        const Tensor x = r.generate(r.noise(c.batch, rng), Tensor());
        loss = loss + obj.penalty(PenaltyInputs{critic, x, x, 0, rng}).penalty;
      }
      DotOptions opt;
      opt.graph_name = "D step";
      opt.highlight = {fake};
      opt.highlight_label = "detached: G(z) made without a graph, no gradient reaches G";
      d_step = capture(loss, out + "/graph_d_step.dot", opt);
    } else if (phase == Run::Phase::G) {
      DotOptions opt;
      opt.graph_name = "G step";
      opt.highlight = {input_batch(fake_out)};
      opt.highlight_label = "noise z: data, needs no gradient";
      g_step = capture(obj.g_loss(fake_out), out + "/graph_g_step.dot", opt);
    }
  });
  run.on_backward([&](Run& r, Run::Phase phase, const std::vector<Variable>&) {
    if (phase == Run::Phase::D) {  // the first step: G has never had a gradient
      for (const auto& p : r.generator().parameters()) g_grads_untouched = g_grads_untouched && !p.grad().defined();
      d_grads.clear();
      for (const auto& p : r.discriminator().parameters())
        d_grads.push_back(p.grad().defined() ? p.grad().value().clone() : Tensor());
    } else {
      auto ps = r.discriminator().parameters();
      for (size_t i = 0; i < ps.size(); ++i) {
        const Variable& dp = ps[i].grad();
        const bool same = dp.defined() ? d_grads[i].defined() && equal(dp.value(), d_grads[i]) : !d_grads[i].defined();
        d_grads_unchanged = d_grads_unchanged && same;
      }
    }
  });
  run.step();

  std::ostringstream o;
  o << "objective " << obj.name << " (" << obj.reference << "), model " << c.model << " on " << c.data << "\n"
    << "  D minimises " << obj.d_formula << "\n  G minimises " << obj.g_formula << "\n\n"
    << "D's step (graph_d_step.dot, " << d_step.nodes << " nodes): G(z) enters as a detached constant\n";
  if (obj.penalty)
    o << (c.conditional() ? "  (the penalty's graph is not drawn for a conditional model)\n"
                          : "  (the penalty's graph is drawn on points of its own: the step's structure, not its values)\n");
  parameter_lines(o, d_step, run.generator(), "none (G(z) is detached)");
  parameter_lines(o, d_step, run.discriminator(), "none");
  o << "\nG's step (graph_g_step.dot, " << g_step.nodes << " nodes): D judges with frozen parameters\n";
  parameter_lines(o, g_step, run.generator(), "none");
  parameter_lines(o, g_step, run.discriminator(), "none (frozen)");
  o << "\nchecked in the step's backward: G's gradients " << (g_grads_untouched ? "untouched" : "CHANGED")
    << " by D's backward; D's gradients " << (d_grads_unchanged ? "unchanged" : "CHANGED") << " by G's backward\n";

  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    for (const char* name : {"graph_d_step", "graph_g_step"}) {
      const std::string base = out + "/" + name;
      const std::string cmd = "dot -Tsvg " + shell_quote(base + ".dot") + " -o " + shell_quote(base + ".svg");
      NASH_CHECK(std::system(cmd.c_str()) == 0, "explain: Graphviz failed: ", cmd);
    }
    o << "drawn: graph_d_step.svg, graph_g_step.svg\n";
  } else {
    o << "Graphviz's dot is not installed: DOT files only (apt-get install graphviz, or scripts/setup.sh)\n";
  }
  write_file_atomic(out + "/explain.txt", o.str());
  return {o.str(), d_grads_unchanged && g_grads_untouched};
}

}  // namespace nash::gan::viz
