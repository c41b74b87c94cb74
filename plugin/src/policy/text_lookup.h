#pragma once
// Hash maps keyed by std::string that can be searched with a std::string_view, so a lookup
// on the decision path never builds a temporary string.

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace certacl::policy {

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

template <typename Value>
using TextMap = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;

}  // namespace certacl::policy
