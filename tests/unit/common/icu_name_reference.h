#pragma once
// ICU's answer to "may this non-ASCII code point appear in a certacl name?", the reference
// that common/src/identity_unicode_table.inc is generated from
// (tests/unit/common/generate_identity_unicode_table.cpp) and checked against
// (identity_unicode_table_test.cpp). Refused: unassigned, controls, format characters, surrogates,
// private use, every space or separator but ASCII space, default ignorable code points (zero-width,
// variation selectors, fillers, tags), combining marks (canonical combining class != 0) and
// anything whose NFC quick check is not Yes.

#include <unicode/uchar.h>
#include <unicode/unorm2.h>

namespace certacl::test {

inline bool icu_refuses_in_name(UChar32 c) {
  switch (u_charType(c)) {
    case U_UNASSIGNED:
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
      return true;
    default:
      break;
  }
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return true;
  if (u_getCombiningClass(c) != 0) return true;
  return u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) != UNORM_YES;
}

}  // namespace certacl::test
