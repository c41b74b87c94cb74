// Arbitrary bytes through the one name rule (common/src/identity.cpp). Any name it accepts
// must be valid UTF-8 in NFC (ICU says so), free of every byte the broker would substitute
// or widen, and must not start with '$'; the display form must be printable ASCII.

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/identity.h"

namespace {

bool icu_says_valid_nfc(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  std::vector<UChar> utf16(text.size() + 1);
  int32_t length = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &length, text.data(),
                static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) return false;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
  if (U_FAILURE(status)) std::abort();
  const UBool normalized = unorm2_isNormalized(nfc, utf16.data(), length, &status);
  return U_SUCCESS(status) && normalized != 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string_view problem :
       {certacl::device_name_problem(text), certacl::client_id_problem(text)}) {
    if (!problem.empty()) continue;
    if (!icu_says_valid_nfc(text)) std::abort();
    if (text.find_first_of(std::string_view("+#/%\0", 5)) != std::string_view::npos) std::abort();
    if (text.front() == '$') std::abort();
  }
  for (const char c : certacl::escape_for_display(text)) {
    if (c < 0x20 || c > 0x7E) std::abort();
  }
  return 0;
}
