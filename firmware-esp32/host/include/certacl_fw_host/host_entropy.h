#pragma once
// The host's entropy source for the firmware core: the kernel's getrandom().

#include <cstddef>

namespace certacl::fw::host {

// An EntropySource (see certacl_fw/random.h); the context is unused.
int kernel_entropy(void* context, unsigned char* output, std::size_t length, std::size_t* written);

}  // namespace certacl::fw::host
