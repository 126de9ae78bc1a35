// The reverse-mode engine behind backward() and grad().
//
// 1. Walk the graph from the outputs (iteratively: million-op chains must not overflow the
//    stack) and list every variable in post-order: a variable's inputs come before it.
// 2. Visit that list backwards — each variable after all of its consumers — holding its total
//    gradient dy. Call its hooks, keep it if asked (retain_grad / leaves / grad() inputs), then
//    ask its node for each input's gradient and add it into that input's total.
//    A leaf is finished (hooks, .grad, then a LeafGradListener hears of it) as soon as its
//    last consumer has been visited: its gradient is final there, and the rest of backward
//    may go on while it is sent elsewhere.
// 3. Free what the graph saved unless retain_graph.
// Without create_graph the derivatives run under no-grad and record nothing; with it they are
// recorded like any forward computation, which is what makes second derivatives work.
// The engine's lists and maps live in the small-block pool: a backward in a training loop's
// steady state takes nothing from the heap.
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "autograd/function.h"
#include "autograd/ops.h"
#include "tensor/ops.h"

namespace nash {
namespace {

using ImplPtr = std::shared_ptr<VariableImpl>;
template <class K>
using PoolSet = std::unordered_set<K, std::hash<K>, std::equal_to<K>, PoolAllocator<K>>;
template <class K, class V>
using PoolMap = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, PoolAllocator<std::pair<const K, V>>>;

// Post-order over variables reachable from the roots through grad_fn edges.
PoolVector<ImplPtr> post_order(const PoolVector<ImplPtr>& roots) {
  PoolVector<ImplPtr> order;
  PoolSet<VariableImpl*> seen;
  struct Frame {
    ImplPtr impl;
    size_t next_input;
  };
  PoolVector<Frame> stack;
  for (const auto& root : roots) {
    if (!seen.insert(root.get()).second) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      size_t top = stack.size() - 1;
      Node* node = stack[top].impl->grad_fn.get();
      if (node && stack[top].next_input < node->inputs.size()) {
        const Variable& in = node->inputs[stack[top].next_input++];
        if (in.defined() && in.requires_grad() && seen.insert(in.impl().get()).second)
          stack.push_back({in.impl(), 0});
      } else {
        order.push_back(std::move(stack[top].impl));
        stack.pop_back();
      }
    }
  }
  return order;
}

// A gradient we may keep as a leaf's .grad: contiguous and owned by nobody else; else a copy.
Tensor owned_gradient(Variable g) {
  const Tensor& t = g.value();
  bool unique = g.impl().use_count() == 1 && t.storage().use_count() == 1 && t.is_contiguous() &&
                t.offset() == 0;
  return unique ? t : t.clone();
}

struct Engine {
  bool create_graph = false;
  // grad() mode: the inputs whose gradients are returned, and which variables lead to them.
  PoolMap<VariableImpl*, size_t> captured;
  PoolSet<VariableImpl*> useful;
  std::vector<Variable> results;
  bool capture_mode = false;

  PoolMap<VariableImpl*, Variable> totals;

  void add_to(VariableImpl* key, Variable g) {
    auto [it, inserted] = totals.try_emplace(key, g);
    if (!inserted) it->second = add(it->second, g);
  }

  bool wanted(const Variable& in) const {
    if (!in.defined() || !in.requires_grad()) return false;
    return !capture_mode || useful.count(in.impl().get()) > 0;
  }

  // backward() only: how many of a leaf's consumers are still to be visited. A leaf whose count
  // reaches zero holds its whole gradient and is finished at once, not at its own place in the
  // order (which may be at the very end: a leaf found early in the walk comes late in it).
  PoolMap<VariableImpl*, size_t> pending_consumers;

  void count_leaf_consumers(const PoolVector<ImplPtr>& order) {
    for (const auto& impl : order) {
      const Node* node = impl->grad_fn.get();
      if (!node || node->released) continue;
      for (size_t i = 0; i < node->inputs.size(); ++i) {
        const Variable& in = node->inputs[i];
        if (node->derivatives[i] && wanted(in) && !in.impl()->grad_fn) ++pending_consumers[in.impl().get()];
      }
    }
  }

  void consumer_done(const Variable& in) {
    auto it = pending_consumers.find(in.impl().get());
    if (it == pending_consumers.end() || --it->second > 0) return;
    pending_consumers.erase(it);
    finish_leaf(in.impl());
  }

  // backward() on a leaf whose gradient is complete: hooks, .grad, then the listener.
  void finish_leaf(const ImplPtr& impl) {
    auto it = totals.find(impl.get());
    if (it == totals.end()) return;  // no gradient reached it, or it was finished already
    Variable dy = std::move(it->second);
    totals.erase(it);
    for (auto& hook : impl->hooks) hook(dy);
    accumulate_leaf(*impl, std::move(dy));
    LeafGradListener::notify(Variable(impl));
  }

  void visit(const ImplPtr& impl) {
    Node* node = impl->grad_fn.get();
    if (!node && !capture_mode) return finish_leaf(impl);  // usually done by its last consumer
    auto it = totals.find(impl.get());
    if (it == totals.end()) {  // no gradient reached this variable: nor does one reach its inputs
      if (node && !node->released)
        for (size_t i = 0; i < node->inputs.size(); ++i)
          if (node->derivatives[i] && wanted(node->inputs[i])) consumer_done(node->inputs[i]);
      return;
    }
    Variable dy = std::move(it->second);
    totals.erase(it);
    Variable self(impl);

    for (auto& hook : impl->hooks) hook(dy);
    if (capture_mode) {
      auto c = captured.find(impl.get());
      if (c != captured.end()) results[c->second] = dy;
    }
    if (!node) return;  // grad(): a leaf's gradient is only returned
    if (impl->retains_grad && !capture_mode)
      impl->grad = impl->grad.defined() ? add(impl->grad, dy) : dy;
    NASH_CHECK(!node->released, "backward: the graph through op '", node->op,
               "' was already freed by an earlier backward; pass retain_graph=true to the first ",
               "backward to go through it twice");
    check_versions(*node, *impl);
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Variable& in = node->inputs[i];
      if (!node->derivatives[i] || !wanted(in)) continue;
      Variable g = run_derivative(*node, i, dy, self);
      NASH_CHECK(g.defined(), "backward: op '", node->op, "' returned no gradient for input ", i);
      NASH_CHECK(g.shape() == node->input_shapes[i], "backward: op '", node->op,
                 "' returned a gradient of shape ", g.shape(), " for input ", i, " of shape ",
                 node->input_shapes[i]);
      if (anomaly_mode())
        check_anomaly("backward", node->op, g.value(),
                      "gradient for input " + std::to_string(i) + " of shape " +
                          shape_str(node->input_shapes[i]));
      add_to(in.impl().get(), std::move(g));
      if (!capture_mode) consumer_done(in);
    }
  }

  // The values an op read must not have been overwritten in place since (an optimizer step
  // between a forward and its backward is the classic case): the gradient would be wrong.
  static void check_versions(const Node& node, const VariableImpl& out) {
    auto check = [&](const Tensor& t, uint64_t seen, size_t input) {  // input == size: output
      uint64_t now = t.storage()->version();
      if (now == seen) return;
      std::string what = input < node.inputs.size()
                             ? "input " + std::to_string(input) + " " + shape_str(t.shape())
                             : "the output " + shape_str(t.shape());
      fail("backward: ", what, " of op '", node.op, "' was modified in place after the op used it",
           " (version ", now, ", expected ", seen, "); its gradient would be wrong. Run backward",
           " before updating it (e.g. before optimizer.step()), or compute it again");
    };
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.inputs[i].defined()) check(node.inputs[i].value(), node.input_versions[i], i);
    check(out.value, node.output_version, node.inputs.size());
  }

  // Runs one derivative. In anomaly mode the ops inside it are not checked one by one: the
  // gradient they produce is checked below, and named after the op being differentiated.
  static Variable run_derivative(Node& node, size_t i, const Variable& dy, const Variable& y) {
    InBackwardGuard in_backward;
    return node.derivatives[i](dy, y);
  }

  void accumulate_leaf(VariableImpl& leaf, Variable g) {
    if (create_graph) {  // a recorded copy, so two leaves never share one .grad
      leaf.grad = leaf.grad.defined() ? add(leaf.grad, g) : clone(g);
    } else if (leaf.grad.defined()) {
      leaf.grad = Variable(nash::add(leaf.grad.value(), g.value()));
    } else {
      leaf.grad = Variable(owned_gradient(std::move(g)));
    }
  }

  void run(std::span<const Variable> outputs, std::span<const Tensor> grad_outputs,
           bool retain_graph, const char* api) {
    NASH_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), api, ": got ",
               outputs.size(), " outputs but ", grad_outputs.size(), " grad_outputs");
    PoolVector<ImplPtr> roots;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Variable& out = outputs[i];
      NASH_CHECK(out.defined(), api, ": output ", i, " is undefined");
      NASH_CHECK(out.requires_grad(), api, ": output ", i, " of shape ", out.shape(),
                 " does not require grad (no op on the way to it recorded a graph)");
      Tensor go;
      if (grad_outputs.empty()) {
        NASH_CHECK(out.numel() == 1, api, ": a gradient can be implied only for outputs with ",
                   "one element, output ", i, " has shape ", out.shape());
        go = ones_like(out.value());
      } else {
        go = grad_outputs[i];
        NASH_CHECK(go.defined() && go.shape() == out.shape() && go.dtype() == out.dtype(), api,
                   ": grad_output ", i, " must match output ", out.shape(), " ",
                   dtype_name(out.dtype()), ", got ", go.defined() ? go.shape() : Shape{});
      }
      add_to(out.impl().get(), Variable(go));
      roots.push_back(out.impl());
    }
    PoolVector<ImplPtr> order = post_order(roots);
    if (capture_mode)  // inputs before consumers, so one pass settles usefulness
      for (const auto& impl : order) {
        bool u = captured.count(impl.get()) > 0;
        if (!u && impl->grad_fn)
          for (const auto& in : impl->grad_fn->inputs)
            if (in.defined() && useful.count(in.impl().get())) u = true;
        if (u) useful.insert(impl.get());
      }
    if (!capture_mode) count_leaf_consumers(order);
    {
      EnableGradGuard mode(create_graph);
      for (auto it = order.rbegin(); it != order.rend(); ++it) visit(*it);
    }
    if (!retain_graph) release(order);
  }

  // Drop what every visited node saved (its closures and its inputs). The order vector keeps
  // every node alive until all are cleared, so nothing is destroyed recursively.
  static void release(PoolVector<ImplPtr>& order) {
    PoolVector<std::shared_ptr<Node>> nodes;
    PoolVector<Variable> inputs;
    for (auto& impl : order)
      if (impl->grad_fn && !impl->grad_fn->released) {
        Node& n = *impl->grad_fn;
        n.released = true;
        n.derivatives.clear();
        for (auto& in : n.inputs) inputs.push_back(std::move(in));
        n.inputs.clear();
        nodes.push_back(impl->grad_fn);
      }
    order.clear();
    inputs.clear();  // nodes are still held, so no input's release recurses into its graph
    nodes.clear();   // their inputs are gone, so each dies alone
  }
};

thread_local LeafGradListener* t_leaf_listener = nullptr;

}  // namespace

LeafGradListener::LeafGradListener(Fn fn) : fn_(std::move(fn)), prev_(t_leaf_listener) {
  t_leaf_listener = this;
}
LeafGradListener::~LeafGradListener() { t_leaf_listener = prev_; }
void LeafGradListener::notify(const Variable& leaf) {
  if (t_leaf_listener && t_leaf_listener->fn_) t_leaf_listener->fn_(leaf);
}

void detail::run_backward(std::span<const Variable> outputs, std::span<const Tensor> grad_outputs,
                          bool retain_graph, bool create_graph) {
  Engine engine;
  engine.create_graph = create_graph;
  engine.run(outputs, grad_outputs, retain_graph || create_graph, "backward");
}

void backward(const std::vector<Variable>& outputs, const std::vector<Tensor>& grad_outputs,
              bool retain_graph, bool create_graph) {
  detail::run_backward(outputs, grad_outputs, retain_graph, create_graph);
}

std::vector<Variable> grad(const std::vector<Variable>& outputs, const std::vector<Variable>& inputs,
                           const std::vector<Tensor>& grad_outputs, bool retain_graph,
                           bool create_graph, bool allow_unused) {
  Engine engine;
  engine.create_graph = create_graph;
  engine.capture_mode = true;
  engine.results.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    NASH_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i,
               " does not require grad");
    engine.captured.emplace(inputs[i].impl().get(), i);
  }
  engine.run(outputs, grad_outputs, retain_graph || create_graph, "grad");
  for (size_t i = 0; i < inputs.size(); ++i)
    NASH_CHECK(allow_unused || engine.results[i].defined(), "grad: input ", i, " of shape ",
               inputs[i].shape(), " was not used to compute the outputs (pass allow_unused=true)");
  return engine.results;
}

}  // namespace nash
