#pragma once
// A string-keyed map split into fixed shards, each held by a shared_ptr, so that a copy of
// the map shares every shard and a change copies only the shard it touches. This is what
// lets a registry snapshot be built from the previous one plus a few changed rows
// (RegistrySnapshot::apply) without a second full copy of 100,000 devices in memory.
//
// A map is written only while its snapshot is being built, by one thread; once published it
// is only read. Shards shared with another map are never written: the first write to one
// copies it (copy on write, copy_on_write_shards.h).

#include <cstddef>
#include <string>
#include <string_view>

#include "copy_on_write_shards.h"
#include "text_lookup.h"

namespace certacl::policy {

template <typename Value>
class ShardedTextMap {
 public:
  static constexpr std::size_t kShards = 256;
  using Shard = TextMap<Value>;

  // A copy shares every shard with the original and owns none of them.

  [[nodiscard]] const Value* find(std::string_view key) const noexcept {
    const Shard& shard = shards_[shard_of(key)];
    const auto found = shard.find(key);
    return found == shard.end() ? nullptr : &found->second;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void insert_or_assign(std::string key, Value value) {
    Shard& shard = shards_.writable(shard_of(key));
    const std::size_t before = shard.size();
    shard.insert_or_assign(std::move(key), std::move(value));
    size_ += shard.size() - before;
  }
  // A pointer to the value for `key`, created empty when absent; the shard is copied first
  // if shared.
  Value& operator[](std::string_view key) {
    Shard& shard = shards_.writable(shard_of(key));
    auto found = shard.find(key);
    if (found == shard.end()) {
      found = shard.emplace(std::string(key), Value{}).first;
      ++size_;
    }
    return found->second;
  }
  void erase(std::string_view key) {
    if (find(key) == nullptr) return;  // no copy for nothing
    Shard& shard = shards_.writable(shard_of(key));
    const auto found = shard.find(key);
    shard.erase(found);
    --size_;
  }
  // How many shards this map holds alone (copied or created since it was copied).
  [[nodiscard]] std::size_t owned_shards() const noexcept { return shards_.owned_count(); }

  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (std::size_t i = 0; i < kShards; ++i) {
      for (const auto& [key, value] : shards_[i]) visit(key, value);
    }
  }

 private:
  static std::size_t shard_of(std::string_view key) noexcept {
    // The shard takes the high bits, the map's buckets the low ones.
    const std::size_t hash = TextHash{}(key);
    return (hash >> (sizeof(std::size_t) * 8 - 8)) % kShards;
  }
  // A new empty map per shard, all owned.
  CopyOnWriteShards<Shard, kShards> shards_{CopyOnWriteShards<Shard, kShards>::Start::kOwnedEmpty};
  std::size_t size_ = 0;
};

}  // namespace certacl::policy
