// Graphviz export: the exact text of a small graph, determinism, released nodes, highlighted
// (detached) variables, a long chain, and the D step / G step graphs of a tiny GAN.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/graphviz.h"
#include "autograd/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace nash;
using Catch::Matchers::Contains;

namespace {

// The parsed DOT: node labels by id and the edges, in file order.
struct Dot {
  std::map<int, std::string> label;  // id -> label with "\n" as written in the file
  std::map<int, std::string> attrs;  // id -> the attributes after the label
  std::vector<std::pair<int, int>> edges;

  std::vector<int> ids_containing(const std::string& s) const {
    std::vector<int> ids;
    for (const auto& [id, l] : label)
      if (l.find(s) != std::string::npos) ids.push_back(id);
    return ids;
  }
  // Ids from which `to` can be reached along edges (to included).
  std::set<int> reaching(int to) const {
    std::set<int> found{to};
    std::vector<int> todo{to};
    while (!todo.empty()) {
      int n = todo.back();
      todo.pop_back();
      for (auto [a, b] : edges)
        if (b == n && found.insert(a).second) todo.push_back(a);
    }
    return found;
  }
};

// Node lines are `  n<id> [label="<label>"<attrs>];`, edge lines `  n<a> -> n<b>;`.
Dot parse(const std::string& text) {
  Dot d;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  n", 0) != 0 || !std::isdigit(static_cast<unsigned char>(line[3]))) continue;
    size_t arrow = line.find(" -> n");
    if (arrow != std::string::npos) {
      d.edges.emplace_back(std::stoi(line.substr(3, arrow - 3)), std::stoi(line.substr(arrow + 5)));
      continue;
    }
    size_t open = line.find(" [label=\"");
    if (open == std::string::npos) throw std::runtime_error("unparsed DOT line: " + line);
    size_t close = open + 9;  // the label's closing quote: the first one not escaped
    while (line[close] != '"') close += line[close] == '\\' ? 2 : 1;
    int id = std::stoi(line.substr(3, open - 3));
    d.label[id] = line.substr(open + 9, close - open - 9);
    d.attrs[id] = line.substr(close + 1);
  }
  return d;
}

Variable leaf64(std::vector<double> v, bool requires_grad) {
  return Variable(from_vector(v, {static_cast<int64_t>(v.size())}), requires_grad);
}

}  // namespace

TEST_CASE("to_dot writes one node per op and leaf, one edge per input, deterministically", "[autograd]") {
  auto build = [] {
    Variable x = leaf64({1, 2, 3}, true);
    x.set_name("x");
    Variable w = leaf64({4, 5, 6}, false);
    return sum(x * w);
  };
  Variable s = build();
  const std::string want =
      "digraph \"nash\" {\n"
      "  node [fontname=\"Helvetica\", fontsize=10];\n"
      "  n0 [label=\"x\\n[3] float64\\nrequires_grad\", shape=box, style=filled, fillcolor=lightblue];\n"
      "  n1 [label=\"leaf\\n[3] float64\\nconstant\", shape=box];\n"
      "  n2 [label=\"mul\\n[3] float64\", shape=ellipse];\n"
      "  n3 [label=\"sum\\n[] float64\", shape=ellipse, peripheries=2];\n"
      "  n0 -> n2;\n"
      "  n1 -> n2;\n"
      "  n2 -> n3;\n"
      "}\n";
  CHECK(to_dot({s}) == want);
  CHECK(to_dot({s}) == to_dot({build()}));  // same structure, new addresses: same text

  // an input read twice is two edges; a named, non-trainable leaf is "frozen"
  Variable p = leaf64({1, 2}, false);
  p.set_name("bn \"running\" mean");
  Variable x = leaf64({3, 4}, true);
  Dot d = parse(to_dot({sum(x * x + p)}));
  CHECK(d.label.size() == 5);  // x, mul, p, add, sum
  CHECK(d.edges.size() == 5);  // x -> mul twice, mul -> add, p -> add, add -> sum
  auto mul = d.ids_containing("mul");
  REQUIRE(mul.size() == 1);
  int n_x = d.ids_containing("requires_grad").at(0);
  CHECK(std::count(d.edges.begin(), d.edges.end(), std::make_pair(n_x, mul[0])) == 2);
  CHECK(d.ids_containing(R"(bn \"running\" mean\n[2] float64\nfrozen)").size() == 1);
}

TEST_CASE("to_dot shows a released graph as such and a retained one whole", "[autograd]") {
  Variable x = leaf64({1, 2, 3}, true);
  Variable s = sum(x * 2.0);
  Variable kept = sum(x * 3.0);
  s.backward();
  kept.backward(Tensor(), /*retain_graph=*/true);

  Dot released = parse(to_dot({s}));
  REQUIRE(released.label.size() == 1);  // backward dropped the inputs: only the root is left
  CHECK(released.label.at(0) == "sum\\n[] float64\\nreleased (inputs [3])");
  CHECK_THAT(released.attrs.at(0), Contains("gray"));
  Dot whole = parse(to_dot({kept}));
  CHECK(whole.label.size() == 3);
  CHECK(whole.edges.size() == 2);
  CHECK(whole.ids_containing("released").empty());
}

TEST_CASE("to_dot marks highlighted variables, drawn even outside the graph", "[autograd]") {
  Variable x = leaf64({1, 2}, true);
  Variable cut = (x * 2.0).detach();
  Variable y = sum(cut * x);
  Variable stray = leaf64({7}, false);
  DotOptions opts;
  opts.highlight = {cut, stray};
  Dot d = parse(to_dot({y}, opts));
  auto marked = d.ids_containing("detached");
  REQUIRE(marked.size() == 2);
  for (int id : marked) CHECK_THAT(d.attrs.at(id), Contains("dashed"));
  CHECK(d.label.size() == 5);  // x, cut, mul, sum + stray
  CHECK(d.edges.size() == 3);  // x -> mul, cut -> mul, mul -> sum: nothing reaches the mul_scalar
  CHECK(d.ids_containing("mul_scalar").empty());
}

TEST_CASE("to_dot walks a long chain iteratively", "[autograd]") {
  Variable x = leaf64({1}, true);
  Variable v = x;
  for (int i = 0; i < 200000; ++i) v = v + 1.0;
  std::string text = to_dot({v});
  Dot d = parse(text);
  CHECK(d.label.size() == 200001);
  CHECK(d.edges.size() == 200000);
}

namespace {
// A tiny GAN in float32 built from nash::linear: G: Z=4 -> 8 -> 3, D: 3 -> 8 -> 1.
struct Layer {
  Variable w, b;
  Layer(const std::string& name, int64_t in, int64_t out, Rng& rng)
      : w(normal({out, in}, 0.0, 0.3, rng), true), b(zeros({out}), true) {
    w.set_name(name + ".weight");
    b.set_name(name + ".bias");
  }
  Variable operator()(const Variable& x) const { return linear(x, w, b); }
};
struct TinyGan {
  Rng rng{7};
  Layer g1{"G.fc1", 4, 8, rng}, g2{"G.fc2", 8, 3, rng};
  Layer d1{"D.fc1", 3, 8, rng}, d2{"D.fc2", 8, 1, rng};
  Variable G(const Variable& z) const { return g2(leaky_relu(g1(z), 0.2)); }
  Variable D(const Variable& x) const { return d2(leaky_relu(d1(x), 0.2)); }
};
}  // namespace

TEST_CASE("to_dot of a D step and a G step: the detached fake cuts G out of the D step", "[autograd]") {
  TinyGan gan;
  Variable z(normal({5, 4}, 0.0, 1.0, gan.rng));
  Variable real(normal({5, 3}, 0.0, 1.0, gan.rng));

  // D step: softplus(-D(real)) + softplus(D(fake)) = -log sigmoid(D(real)) - log(1 - sigmoid(D(fake)))
  Variable fake = gan.G(z).detach();
  fake.set_name("fake");
  Variable loss_d = mean(softplus(-gan.D(real))) + mean(softplus(gan.D(fake)));
  DotOptions opts;
  opts.highlight = {fake};
  Dot d = parse(to_dot({loss_d}, opts));
  CHECK(d.ids_containing("G.").empty());  // no node, hence no edge, of G
  CHECK(d.ids_containing("D.fc1.weight\\n[8, 3] float32\\nrequires_grad").size() == 1);
  CHECK(d.ids_containing("linear\\n").size() == 4);  // two layers x (real, fake)
  auto marked = d.ids_containing("fake\\n[5, 3] float32\\ndetached");
  REQUIRE(marked.size() == 1);
  int n_loss = d.ids_containing("add\\n[] float32").at(0);
  CHECK(d.reaching(n_loss).count(marked[0]) == 1);  // the detached fake feeds D

  // G step: D frozen, loss softplus(-D(G(z))) = -log sigmoid(D(G(z)))
  for (Variable* p : {&gan.d1.w, &gan.d1.b, &gan.d2.w, &gan.d2.b}) p->requires_grad_(false);
  Variable loss_g = mean(softplus(-gan.D(gan.G(z))));
  Dot g = parse(to_dot({loss_g}));
  int n_out = static_cast<int>(g.label.size()) - 1;
  CHECK_THAT(g.attrs.at(n_out), Contains("peripheries=2"));
  auto reaching = g.reaching(n_out);
  for (const char* name : {"G.fc1.weight", "G.fc1.bias", "G.fc2.weight", "G.fc2.bias"}) {
    auto ids = g.ids_containing(std::string(name) + "\\n");
    REQUIRE(ids.size() == 1);
    CHECK_THAT(g.label.at(ids[0]), Contains("requires_grad"));
    CHECK(reaching.count(ids[0]) == 1);
  }
  CHECK(g.ids_containing("frozen").size() == 4);  // D's four parameters
  CHECK(g.ids_containing("linear\\n").size() == 4);
  CHECK(g.ids_containing("constant").size() == 1);  // z
}

TEST_CASE("save_dot writes the text and names an unwritable path", "[autograd]") {
  Variable x = leaf64({1, 2}, true);
  Variable y = sum(x * x);
  std::string path = "/tmp/nash_test_dot_" + std::to_string(::getpid()) + ".dot";
  save_dot(path, {y});
  std::ifstream in(path);
  std::stringstream got;
  got << in.rdbuf();
  CHECK(got.str() == to_dot({y}));
  std::remove(path.c_str());
  REQUIRE_THROWS_WITH(save_dot("/nonexistent_dir_nash/graph.dot", {y}),
                      Contains("save_dot") && Contains("/nonexistent_dir_nash/graph.dot"));
}
