#include "certacl_fw_host/host_entropy.h"

#include <mbedtls/entropy.h>
#include <sys/random.h>

#include <cerrno>

namespace certacl::fw::host {

int kernel_entropy(void* /*context*/, unsigned char* output, std::size_t length,
                   std::size_t* written) {
  std::size_t filled = 0;
  // getrandom() may return fewer bytes than asked or be interrupted; bounded retries.
  for (int attempt = 0; attempt < 16 && filled < length; ++attempt) {
    const ssize_t got = getrandom(output + filled, length - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    filled += static_cast<std::size_t>(got);
  }
  if (filled < length) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  *written = filled;
  return 0;
}

}  // namespace certacl::fw::host
