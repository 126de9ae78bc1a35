// Checkpoints: prefixing state dicts into one safetensors file, and checking a file against the
// modules, optimizers and schedulers before anything is loaded.
#include "nn/checkpoint.h"

#include <set>

#include "tensor/io/safetensors.h"

namespace nash::nn {

namespace {
const std::string kExtra = "extra";
const std::string kFormatKey = "nash.checkpoint";
const std::string kFormatVersion = "1";

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

void check_prefixes(const char* op, const Checkpoint& ck) {
  std::set<std::string> seen;
  auto check = [&](const std::string& prefix, const void* ptr, const char* what) {
    NASH_CHECK(ptr != nullptr, op, ": ", what, " '", prefix, "' is null");
    NASH_CHECK(!prefix.empty() && prefix.find('.') == std::string::npos && prefix != kExtra, op,
               ": invalid ", what, " prefix '", prefix, "' (non-empty, no '.', not 'extra')");
    NASH_CHECK(seen.insert(prefix).second, op, ": prefix '", prefix, "' is used twice");
  };
  for (const auto& [prefix, m] : ck.modules) check(prefix, m, "module");
  for (const auto& [prefix, o] : ck.optimizers) check(prefix, o, "optimizer");
  for (const auto& [prefix, s] : ck.schedulers) check(prefix, s, "scheduler");
}

// "model.fc.weight" -> {"model", "fc.weight"}; no dot -> {name, ""}.
std::pair<std::string, std::string> split_prefix(const std::string& name) {
  size_t dot = name.find('.');
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot + 1)};
}
}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  const char* op = "save_checkpoint";
  check_prefixes(op, ck);
  NamedTensors all;
  for (const auto& [prefix, m] : ck.modules)
    for (auto& [name, t] : m->state_dict()) all.emplace_back(prefix + "." + name, t);
  for (const auto& [prefix, o] : ck.optimizers)
    for (auto& [name, t] : o->state_dict()) all.emplace_back(prefix + "." + name, t);
  for (const auto& [prefix, s] : ck.schedulers)
    for (auto& [name, t] : s->state_dict()) all.emplace_back(prefix + "." + name, t);
  for (const auto& [name, t] : ck.tensors) {
    NASH_CHECK(!name.empty(), op, ": an extra tensor has an empty name");
    NASH_CHECK(t.defined(), op, ": extra tensor '", name, "' is undefined");
    all.emplace_back(kExtra + "." + name, t);
  }
  std::map<std::string, std::string> metadata = ck.metadata;
  for (const auto& [key, value] : metadata)
    NASH_CHECK(key.rfind("nash.", 0) != 0, op, ": metadata key '", key,
               "' is reserved (keys starting 'nash.' belong to nash)");
  metadata[kFormatKey] = kFormatVersion;
  save_safetensors(path, all, metadata);
}

void load_checkpoint(const std::string& path, Checkpoint& ck) {
  const std::string op = "load_checkpoint: " + path;
  check_prefixes("load_checkpoint", ck);
  SafetensorsFile file;
  try {
    file = load_safetensors(path);
  } catch (const Error& e) {
    fail("load_checkpoint: ", e.what());
  }
  auto format = file.metadata.find(kFormatKey);
  NASH_CHECK(format != file.metadata.end(), op, ": not a nash checkpoint (no '", kFormatKey,
             "' in the metadata)");
  NASH_CHECK(format->second == kFormatVersion, op, ": checkpoint format '", format->second,
             "' is not supported (expected '", kFormatVersion, "')");

  // Sort the file's tensors by prefix.
  std::map<std::string, NamedTensors> by_prefix;
  NamedTensors extra;
  std::set<std::string> known;
  for (const auto& [prefix, m] : ck.modules) known.insert(prefix);
  for (const auto& [prefix, o] : ck.optimizers) known.insert(prefix);
  for (const auto& [prefix, s] : ck.schedulers) known.insert(prefix);
  for (const auto& [name, t] : file.tensors) {
    auto [prefix, rest] = split_prefix(name);
    NASH_CHECK(!rest.empty(), op, ": unexpected key '", name, "' (no '<prefix>.' in front)");
    if (prefix == kExtra) {
      extra.emplace_back(rest, t);
    } else {
      NASH_CHECK(known.count(prefix), op, ": unexpected key '", name,
                 "' (the checkpoint has no module, optimizer or scheduler '", prefix, "')");
      by_prefix[prefix].emplace_back(rest, t);
    }
  }

  // Check every module against the file: same names, shapes and dtypes.
  for (const auto& [prefix, m] : ck.modules) {
    std::map<std::string, Tensor> expected;
    for (auto& [name, t] : m->state_dict()) expected.emplace(name, t);
    const NamedTensors& given = by_prefix[prefix];
    std::set<std::string> present;
    for (const auto& [name, t] : given) {
      const std::string full = prefix + "." + name;
      auto it = expected.find(name);
      NASH_CHECK(it != expected.end(), op, ": unexpected key '", full, "' (", m->type_name(),
                 " '", prefix, "' has no parameter or buffer '", name, "')");
      NASH_CHECK(t.shape() == it->second.shape(), op, ": '", full, "' has shape ", t.shape(),
                 " but ", m->type_name(), " '", prefix, "' expects ", it->second.shape());
      NASH_CHECK(t.dtype() == it->second.dtype(), op, ": '", full, "' is ", dtype_name(t.dtype()),
                 " but ", m->type_name(), " '", prefix, "' expects ",
                 dtype_name(it->second.dtype()));
      present.insert(name);
    }
    for (const auto& [name, t] : expected)
      NASH_CHECK(present.count(name), op, ": missing key '", prefix, ".", name, "' (shape ",
                 t.shape(), ") for ", m->type_name(), " '", prefix, "'");
  }
  // Check every optimizer's state against its parameters.
  for (const auto& [prefix, o] : ck.optimizers) {
    try {
      o->check_state_dict(by_prefix[prefix]);
    } catch (const Error& e) {
      fail(op, ": optimizer '", prefix, "': ", e.what());
    }
  }
  for (const auto& [prefix, s] : ck.schedulers) {
    try {
      s->check_state_dict(by_prefix[prefix]);
    } catch (const Error& e) {
      fail(op, ": scheduler '", prefix, "': ", e.what());
    }
  }

  // Everything matches: load.
  for (const auto& [prefix, m] : ck.modules) m->load_state_dict(by_prefix[prefix]);
  for (const auto& [prefix, o] : ck.optimizers) o->load_state_dict(by_prefix[prefix]);
  for (const auto& [prefix, s] : ck.schedulers) s->load_state_dict(by_prefix[prefix]);
  ck.tensors = std::move(extra);
  file.metadata.erase(kFormatKey);
  ck.metadata = std::move(file.metadata);
}

void save_checkpoint(const std::string& path, Module& model, optim::Optimizer* optimizer,
                     const std::map<std::string, std::string>& metadata) {
  Checkpoint ck{.modules = {{"model", &model}}, .optimizers = {}, .tensors = {},
                .metadata = metadata};
  if (optimizer) ck.optimizers.emplace_back("optim", optimizer);
  save_checkpoint(path, ck);
}

std::map<std::string, std::string> load_checkpoint(const std::string& path, Module& model,
                                                   optim::Optimizer* optimizer) {
  Checkpoint ck{.modules = {{"model", &model}}, .optimizers = {}, .tensors = {}, .metadata = {}};
  if (optimizer) ck.optimizers.emplace_back("optim", optimizer);
  load_checkpoint(path, ck);
  return ck.metadata;
}

}  // namespace nash::nn
