// Whole-batch Dropout masks for data-parallel training (gan/distributed.h): while a ShardRows
// scope is alive on a thread, training-mode Dropout and Dropout2d there draw the masks of the
// whole batch — S shards of m rows, S m rows — and apply rows [k m, (k + 1) m): exactly what the
// whole batch in one piece would get, whatever S. Every shard's stream then advances as the
// whole batch's does. (Without it, a shard draws masks for its own m rows only.)
#pragma once

namespace nash::nn {

class ShardRows {
 public:
  ShardRows(int shard, int shards);  // this thread's forwards are shard `shard` of `shards`
  ~ShardRows();
  ShardRows(const ShardRows&) = delete;
  ShardRows& operator=(const ShardRows&) = delete;
  static const ShardRows* current();  // the innermost on this thread, or nullptr
  int shard() const { return shard_; }
  int shards() const { return shards_; }

 private:
  int shard_, shards_;
  const ShardRows* prev_;
};

}  // namespace nash::nn
