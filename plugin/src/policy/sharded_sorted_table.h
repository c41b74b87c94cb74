#pragma once
// A table of records split into fixed shards, each a sorted vector held by a shared_ptr: a
// copy of the table shares every shard, and a change copies only the shard it touches (copy
// on write, copy_on_write_shards.h), as ShardedTextMap does. Sorted vectors instead of hash maps
// because they cost no node, bucket or allocation per record: 100,000 devices in a few tens of
// megabytes.
//
// Records are ordered by Traits::key_of(record) under Traits::less, and a key's shard is
// Traits::shard_of(key) % kShards. Written only while its snapshot is being built, by one
// thread; once published, only read. Pointers to records stay valid while the table that
// handed them out is unchanged (a published snapshot's is).

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "copy_on_write_shards.h"

namespace certacl::policy {

template <typename Record, typename Traits>
class ShardedSortedTable {
 public:
  static constexpr std::size_t kShards = 1024;
  using Key = decltype(Traits::key_of(std::declval<const Record&>()));
  using Shard = std::vector<Record>;

  // A copy shares every shard with the original and owns none of them.

  [[nodiscard]] const Record* find(const Key& key) const noexcept {
    const Shard& shard = shards_[index_of(key)];
    const auto found = lower_bound(shard, key);
    if (found == shard.end() || Traits::less(key, Traits::key_of(*found))) return nullptr;
    return &*found;
  }
  // The first record whose key is not less than `key` in its shard, and the shard's end.
  [[nodiscard]] std::pair<const Record*, const Record*> from(const Key& key) const noexcept {
    const Shard& shard = shards_[index_of(key)];
    return {std::to_address(lower_bound(shard, key)), std::to_address(shard.end())};
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (std::size_t i = 0; i < kShards; ++i) {
      for (const Record& record : shards_[i]) visit(record);
    }
  }
  // How many shards this table holds alone (written since it was copied, or filled).
  [[nodiscard]] std::size_t owned_shards() const noexcept { return shards_.owned_count(); }

  // The record for `key`, or nullptr; writable, its shard copied first when shared.
  Record* find_writable(const Key& key) {
    if (find(key) == nullptr) return nullptr;  // no copy for nothing
    Shard& shard = shards_.writable(index_of(key));
    return &*lower_bound(shard, key);
  }
  // Inserts `record`, or replaces the one with the same key.
  Record& insert_or_assign(Record record) {
    Shard& shard = shards_.writable(index_of(Traits::key_of(record)));
    auto at = lower_bound(shard, Traits::key_of(record));
    if (at != shard.end() && !Traits::less(Traits::key_of(record), Traits::key_of(*at))) {
      *at = std::move(record);
      return *at;
    }
    ++size_;
    return *shard.insert(at, std::move(record));
  }
  // Gives back what inserts left unused in the shards this table wrote, so that a long run
  // of changes holds no more than a fresh build would (a copied shard has no spare room, so
  // a revocation, one erase and one insert, moves nothing; an added record moves its shard).
  void shrink_written() {
    for (std::size_t i = 0; i < kShards; ++i) {
      if (shards_.owned(i) && shards_[i].capacity() > shards_[i].size()) {
        shards_.writable(i).shrink_to_fit();
      }
    }
  }
  void erase(const Key& key) {
    if (find(key) == nullptr) return;
    Shard& shard = shards_.writable(index_of(key));
    shard.erase(lower_bound(shard, key));
    --size_;
  }

  // Fills an empty table at once: one sort per shard rather than one insert per record.
  // Records with equal keys keep the last one.
  void assign(std::vector<Record> records) {
    std::array<std::vector<Record>, kShards> sorted;
    for (Record& record : records) {
      sorted[index_of(Traits::key_of(record))].push_back(std::move(record));
    }
    records = {};
    size_ = 0;
    for (std::size_t i = 0; i < kShards; ++i) {
      std::vector<Record>& shard = sorted[i];
      std::stable_sort(shard.begin(), shard.end(), [](const Record& a, const Record& b) {
        return Traits::less(Traits::key_of(a), Traits::key_of(b));
      });
      // Keep the last of equal keys, as one insert_or_assign after another would.
      std::vector<Record> unique;
      unique.reserve(shard.size());
      for (Record& record : shard) {
        if (!unique.empty() &&
            !Traits::less(Traits::key_of(unique.back()), Traits::key_of(record))) {
          unique.back() = std::move(record);
        } else {
          unique.push_back(std::move(record));
        }
      }
      size_ += unique.size();
      shards_.replace(i, std::move(unique));  // capacity == size
    }
  }

 private:
  static std::size_t index_of(const Key& key) noexcept { return Traits::shard_of(key) % kShards; }
  template <typename Vector>
  static auto lower_bound(Vector& shard, const Key& key) noexcept {
    return std::lower_bound(
        shard.begin(), shard.end(), key,
        [](const Record& record, const Key& k) { return Traits::less(Traits::key_of(record), k); });
  }
  // Every shard starts as the one shared empty vector (copied at first write).
  CopyOnWriteShards<Shard, kShards> shards_{CopyOnWriteShards<Shard, kShards>::Start::kSharedEmpty};
  std::size_t size_ = 0;
};

}  // namespace certacl::policy
