#include "esp_entropy.h"

#include <esp_random.h>

int esp_hardware_entropy(void* /*context*/, unsigned char* output, std::size_t length,
                         std::size_t* written) {
  esp_fill_random(output, length);
  *written = length;
  return 0;
}
