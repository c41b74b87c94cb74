// The checked-in table of refused code points must say exactly what ICU says, for every
// code point: otherwise the firmware (which cannot link ICU) and the CA would disagree with
// the reference the rule is documented against.
#include <gtest/gtest.h>

#include <string>

#include "certacl/identity.h"
#include "icu_name_reference.h"

namespace certacl {
namespace {

std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return out;
}

TEST(IdentityUnicodeTable, MatchesIcuForEveryNonAsciiCodePoint) {
  int mismatches = 0;
  for (char32_t c = 0x80; c <= 0x10FFFF && mismatches < 10; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;  // not encodable in UTF-8 at all
    const bool refused = !device_name_problem("a" + utf8(c)).empty();
    if (refused != test::icu_refuses_in_name(static_cast<UChar32>(c))) {
      ADD_FAILURE() << std::hex << "U+" << static_cast<unsigned>(c) << " certacl refuses "
                    << refused;
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace certacl
