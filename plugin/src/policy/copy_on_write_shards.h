#pragma once
// N shards, each held by a shared_ptr: a copy shares every shard and owns none, and the first
// write to a shared shard copies it (copy on write). The part ShardedSortedTable and
// ShardedTextMap have in common, which is what lets a registry snapshot be built from the
// previous one plus a few changed rows without a second full copy in memory. Written only
// while its snapshot is being built, by one thread; once published, only read.

#include <array>
#include <bitset>
#include <cstddef>
#include <memory>
#include <utility>

namespace certacl::policy {

template <typename Shard, std::size_t N>
class CopyOnWriteShards {
 public:
  enum class Start {
    kSharedEmpty,  // every slot the same empty shard, owned by none: copied at first write
    kOwnedEmpty,   // a new empty shard per slot, all owned
  };
  explicit CopyOnWriteShards(Start start) {
    if (start == Start::kSharedEmpty) {
      static const auto kEmpty = std::make_shared<Shard>();
      shards_.fill(kEmpty);
    } else {
      for (auto& shard : shards_) shard = std::make_shared<Shard>();
      owned_.set();
    }
  }
  // The copy shares every shard with `other` and owns none of them.
  CopyOnWriteShards(const CopyOnWriteShards& other) : shards_(other.shards_) {}
  CopyOnWriteShards& operator=(const CopyOnWriteShards& other) {
    shards_ = other.shards_;
    owned_.reset();
    return *this;
  }
  CopyOnWriteShards(CopyOnWriteShards&&) noexcept = default;
  CopyOnWriteShards& operator=(CopyOnWriteShards&&) noexcept = default;
  ~CopyOnWriteShards() = default;

  [[nodiscard]] const Shard& operator[](std::size_t index) const noexcept {
    return *shards_[index];
  }
  // Shard `index`, copied first when shared.
  [[nodiscard]] Shard& writable(std::size_t index) {
    if (!owned_[index]) {
      shards_[index] = std::make_shared<Shard>(*shards_[index]);
      owned_[index] = true;
    }
    return *shards_[index];
  }
  // Puts `shard` in slot `index`, owned.
  void replace(std::size_t index, Shard shard) {
    shards_[index] = std::make_shared<Shard>(std::move(shard));
    owned_[index] = true;
  }
  [[nodiscard]] bool owned(std::size_t index) const noexcept { return owned_[index]; }
  // How many shards this one holds alone (written since it was copied, or created).
  [[nodiscard]] std::size_t owned_count() const noexcept { return owned_.count(); }

 private:
  std::array<std::shared_ptr<Shard>, N> shards_;
  std::bitset<N> owned_;
};

}  // namespace certacl::policy
