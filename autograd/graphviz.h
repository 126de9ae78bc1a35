// Graphviz DOT export of an autograd graph: one node per op and per leaf, edges input -> op.
// Render with `dot -Tsvg graph.dot -o graph.svg`. The text depends only on the graph's structure
// (node ids follow the traversal, never addresses), so the same graph always gives the same text.
//
//   nash::DotOptions opts;
//   opts.highlight = {fake_detached};            // cut off by detach(): drawn dashed, "detached"
//   nash::save_dot("d_step.dot", {loss_d}, opts);
//
// Node labels:
//   op    "linear\n[64, 512] float32"                         (ellipse; "released" once backward freed it)
//   leaf  "G.fc1.weight\n[512, 100] float32\nrequires_grad"  (box; a leaf that needs no gradient
//         is "frozen" if it has a name (a parameter), else "constant" (data), and "detached"
//         — DotOptions::highlight_label — if it is highlighted)
// Outputs are drawn with a double border.
#pragma once
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace nash {

struct DotOptions {
  // Variables to mark, e.g. the detached fake batch of a D step: an edge that detach() cut
  // cannot be drawn, so the detached copy is drawn dashed with `highlight_label` instead.
  // A highlighted variable not reachable from the outputs is still drawn (on its own).
  std::vector<Variable> highlight;
  std::string highlight_label = "detached";
  std::string graph_name = "nash";
  bool show_dtype = true;
};

// The graph that produced `outputs`, as DOT text. Traversal is iterative (million-op chains are
// fine) and reads the graph only; undefined outputs are skipped.
std::string to_dot(const std::vector<Variable>& outputs, const DotOptions& options = {});

// Writes to_dot(outputs, options) to `path`; throws nash::Error naming the path if it cannot be
// written.
void save_dot(const std::string& path, const std::vector<Variable>& outputs,
              const DotOptions& options = {});

}  // namespace nash
