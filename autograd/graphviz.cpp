// DOT export: an iterative post-order walk from the outputs numbers every variable (inputs before
// the ops that read them), then writes the nodes in that order and one edge per op input.
#include "autograd/graphviz.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace nash {

namespace {

using ImplPtr = std::shared_ptr<VariableImpl>;

// A DOT double-quoted string body: quotes and backslashes escaped, newlines as \n.
std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string shape_and_dtype(const Tensor& value, bool show_dtype) {
  std::string s = shape_str(value.shape());
  if (show_dtype) s += std::string(" ") + dtype_name(value.dtype());
  return s;
}

struct Walk {
  std::vector<ImplPtr> order;                       // post-order: inputs first
  std::unordered_map<const VariableImpl*, size_t> id;  // position in order
};

// Every variable reachable from the roots through grad_fn inputs (all inputs, including those
// that need no gradient), in post-order, without recursion.
Walk walk(const std::vector<ImplPtr>& roots) {
  Walk w;
  std::unordered_set<const VariableImpl*> seen;
  struct Frame {
    ImplPtr impl;
    size_t next_input;
  };
  std::vector<Frame> stack;
  for (const auto& root : roots) {
    if (!seen.insert(root.get()).second) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Frame& top = stack.back();
      const Node* node = top.impl->grad_fn.get();
      if (node && top.next_input < node->inputs.size()) {
        const Variable& in = node->inputs[top.next_input++];
        if (in.defined() && seen.insert(in.impl().get()).second) stack.push_back({in.impl(), 0});
      } else {
        w.id.emplace(top.impl.get(), w.order.size());
        w.order.push_back(std::move(top.impl));
        stack.pop_back();
      }
    }
  }
  return w;
}

std::string node_line(size_t id, const VariableImpl& v, bool is_output, bool highlighted,
                      const DotOptions& opt) {
  std::vector<std::string> lines;
  std::vector<std::string> attrs;
  const Node* node = v.grad_fn.get();
  if (node) {
    lines.push_back(v.name.empty() ? node->op : std::string(node->op) + " (" + v.name + ")");
    lines.push_back(shape_and_dtype(v.value, opt.show_dtype));
    attrs.push_back("shape=ellipse");
    if (node->released) {
      std::string ins;
      for (size_t i = 0; i < node->input_shapes.size(); ++i)
        ins += (i ? ", " : "") + shape_str(node->input_shapes[i]);
      lines.push_back("released (inputs " + ins + ")");
      attrs.push_back("color=gray50");
      attrs.push_back("fontcolor=gray50");
    }
  } else {
    lines.push_back(v.name.empty() ? "leaf" : v.name);
    lines.push_back(shape_and_dtype(v.value, opt.show_dtype));
    if (v.requires_grad) {
      lines.push_back("requires_grad");
      attrs.push_back("shape=box");
      attrs.push_back("style=filled");
      attrs.push_back("fillcolor=lightblue");
    } else {
      // A highlighted leaf is usually a detached copy: say so rather than guess frozen/constant.
      lines.push_back(highlighted ? opt.highlight_label : v.name.empty() ? "constant" : "frozen");
      attrs.push_back("shape=box");
      if (!v.name.empty()) {
        attrs.push_back("style=filled");
        attrs.push_back("fillcolor=gray85");
      }
    }
  }
  if (highlighted) {
    if (node || v.requires_grad) lines.push_back(opt.highlight_label);
    // style=dashed replaces a fill style: keep the fill by listing both.
    bool filled = false;
    for (auto& a : attrs)
      if (a == "style=filled") {
        a = "style=\"dashed,filled\"";
        filled = true;
      }
    if (!filled) attrs.push_back("style=dashed");
    attrs.push_back("color=red");
  }
  if (is_output) attrs.push_back("peripheries=2");

  std::string label;
  for (size_t i = 0; i < lines.size(); ++i) label += (i ? "\n" : "") + lines[i];
  std::string s = "  n" + std::to_string(id) + " [label=\"" + escape(label) + "\"";
  for (const auto& a : attrs) s += ", " + a;
  return s + "];\n";
}

}  // namespace

std::string to_dot(const std::vector<Variable>& outputs, const DotOptions& options) {
  std::vector<ImplPtr> roots;
  std::unordered_set<const VariableImpl*> is_output;
  for (const auto& out : outputs)
    if (out.defined()) {
      roots.push_back(out.impl());
      is_output.insert(out.impl().get());
    }
  std::unordered_set<const VariableImpl*> highlighted;
  for (const auto& h : options.highlight)
    if (h.defined()) highlighted.insert(h.impl().get());
  // Highlighted variables come last as roots, so one outside the graph is still drawn.
  for (const auto& h : options.highlight)
    if (h.defined()) roots.push_back(h.impl());

  Walk w = walk(roots);
  std::ostringstream os;
  os << "digraph \"" << escape(options.graph_name) << "\" {\n";
  os << "  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (size_t i = 0; i < w.order.size(); ++i) {
    const VariableImpl* v = w.order[i].get();
    os << node_line(i, *v, is_output.count(v) > 0, highlighted.count(v) > 0, options);
  }
  for (size_t i = 0; i < w.order.size(); ++i) {
    const Node* node = w.order[i]->grad_fn.get();
    if (!node) continue;
    for (const auto& in : node->inputs)
      if (in.defined()) os << "  n" << w.id.at(in.impl().get()) << " -> n" << i << ";\n";
  }
  os << "}\n";
  return os.str();
}

void save_dot(const std::string& path, const std::vector<Variable>& outputs,
              const DotOptions& options) {
  std::string text = to_dot(outputs, options);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  NASH_CHECK(file.is_open(), "save_dot: cannot open '", path, "' for writing: ",
             std::strerror(errno));
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.close();
  NASH_CHECK(!file.fail(), "save_dot: writing '", path, "' failed: ", std::strerror(errno));
}

}  // namespace nash
