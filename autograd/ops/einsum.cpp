// einsum: Einstein summation over one or two operands, reduced to ops that already have
// derivatives (sum, permute, reshape, matmul), so it has no backward of its own and second
// derivatives come for free.
//
// Two operands A, B: every label is one of
//   batch     in A, B and the output      -> the matmul's batch dim
//   contract  in A and B, not the output  -> the matmul's inner dim
//   left      in A and the output only    -> the matmul's rows
//   right     in B and the output only    -> the matmul's columns
//   summed    in one operand only, not the output -> summed away first
// A is permuted to [batch, left, contract] and reshaped to [Bt, M, K]; B to [batch, contract,
// right] -> [Bt, K, N]; matmul gives [Bt, M, N], reshaped to [batch, left, right] and permuted
// into the output's order.
#include <algorithm>
#include <map>

#include "autograd/ops.h"

namespace nash {

namespace {

struct Spec {
  std::vector<std::string> inputs;
  std::string output;
};

Spec parse(const std::string& equation, size_t operand_count) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  NASH_CHECK(eq.find('.') == std::string::npos, "einsum: '...' is not supported in \"", equation,
             "\"");
  Spec spec;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    spec.inputs.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  NASH_CHECK(spec.inputs.size() == operand_count, "einsum: \"", equation, "\" names ",
             spec.inputs.size(), " operands but ", operand_count, " were given");
  NASH_CHECK(operand_count == 1 || operand_count == 2, "einsum: one or two operands are "
             "supported, got ", operand_count);
  std::map<char, int> count;
  for (const std::string& in : spec.inputs)
    for (char c : in) {
      NASH_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'), "einsum: invalid label '", c,
                 "' in \"", equation, "\" (labels are letters)");
      NASH_CHECK(std::count(in.begin(), in.end(), c) == 1, "einsum: label '", c,
                 "' repeats within operand \"", in, "\" (diagonals are not supported)");
      ++count[c];
    }
  if (arrow != std::string::npos) {
    spec.output = eq.substr(arrow + 2);
    for (char c : spec.output) {
      NASH_CHECK(count.count(c), "einsum: output label '", c, "' in \"", equation,
                 "\" is in no operand");
      NASH_CHECK(std::count(spec.output.begin(), spec.output.end(), c) == 1, "einsum: output "
                 "label '", c, "' repeats in \"", equation, "\"");
    }
  } else {  // implicit: the labels seen once, in alphabetical order (std::map's order)
    for (const auto& [c, n] : count)
      if (n == 1) spec.output += c;
  }
  return spec;
}

bool has(const std::string& s, char c) { return s.find(c) != std::string::npos; }

// x with the labels in `drop` summed away; `labels` updated to match.
Variable sum_labels(const Variable& x, std::string& labels, const std::string& keep_a,
                    const std::string& keep_b) {
  std::vector<int64_t> dims;
  std::string kept;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (has(keep_a, labels[i]) || has(keep_b, labels[i])) kept += labels[i];
    else dims.push_back(static_cast<int64_t>(i));
  }
  labels = kept;
  return dims.empty() ? x : sum(x, dims);
}

// x permuted so its labels read `order` (a permutation of them).
Variable arrange(const Variable& x, const std::string& labels, const std::string& order) {
  if (labels == order) return x;
  Shape dims;
  for (char c : order) dims.push_back(static_cast<int64_t>(labels.find(c)));
  return permute(x, dims);
}

int64_t product(const std::map<char, int64_t>& size, const std::string& labels) {
  int64_t n = 1;
  for (char c : labels) n *= size.at(c);
  return n;
}

}  // namespace

Variable einsum(const std::string& equation, const std::vector<Variable>& operands) {
  const Spec spec = parse(equation, operands.size());
  std::map<char, int64_t> size;
  for (size_t k = 0; k < operands.size(); ++k) {
    const std::string& labels = spec.inputs[k];
    const Variable& x = operands[k];
    NASH_CHECK(x.defined(), "einsum: operand ", k, " is undefined");
    NASH_CHECK(x.dim() == static_cast<int64_t>(labels.size()), "einsum: operand ", k, " \"",
               labels, "\" needs ", labels.size(), " dims, got ", x.shape());
    for (size_t i = 0; i < labels.size(); ++i) {
      auto [it, fresh] = size.emplace(labels[i], x.size(i));
      NASH_CHECK(fresh || it->second == x.size(i), "einsum: label '", labels[i], "' is ",
                 it->second, " in one operand but ", x.size(i), " in operand ", k, " ",
                 x.shape(), " of \"", equation, "\"");
    }
  }
  const std::string& out = spec.output;
  if (operands.size() == 1) {  // a sum over the dropped labels, then a permute
    std::string labels = spec.inputs[0];
    Variable y = sum_labels(operands[0], labels, out, "");
    return arrange(y, labels, out);
  }

  std::string la = spec.inputs[0], lb = spec.inputs[1];
  Variable a = sum_labels(operands[0], la, out, lb);
  Variable b = sum_labels(operands[1], lb, out, la);
  std::string batch, left, right, contract;
  for (char c : la) {
    if (has(lb, c)) (has(out, c) ? batch : contract) += c;
    else left += c;
  }
  for (char c : lb)
    if (!has(la, c)) right += c;
  const int64_t nb = product(size, batch), m = product(size, left);
  const int64_t k = product(size, contract), n = product(size, right);
  a = reshape(arrange(a, la, batch + left + contract), {nb, m, k});
  b = reshape(arrange(b, lb, batch + contract + right), {nb, k, n});
  Shape result;
  for (char c : batch + left + right) result.push_back(size.at(c));
  Variable y = reshape(matmul(a, b), result);
  return arrange(y, batch + left + right, out);
}

}  // namespace nash
