// ShardRows (see shard_rows.h): a thread-local scope, read by Dropout's forward.
#include "nn/layers/shard_rows.h"

#include "tensor/error.h"

namespace nash::nn {

namespace {
thread_local const ShardRows* t_rows = nullptr;
}  // namespace

ShardRows::ShardRows(int shard, int shards) : shard_(shard), shards_(shards), prev_(t_rows) {
  NASH_CHECK(shards >= 1 && shard >= 0 && shard < shards, "ShardRows: shard ", shard, " of ", shards);
  t_rows = this;
}
ShardRows::~ShardRows() { t_rows = prev_; }
const ShardRows* ShardRows::current() { return t_rows; }

}  // namespace nash::nn
