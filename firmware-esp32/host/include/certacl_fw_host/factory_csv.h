#pragma once
// The factory settings of a host-built device, read from the same CSV that ESP-IDF's
// nvs_partition_gen.py turns into the ESP32's factory NVS partition, so one file describes a
// device on both. Format (nvs_partition_gen's): a "key,type,encoding,value" header, then
//   certacl,namespace,,
//   name,data,string,sensor-7
//   ca_cert,file,string,ca.pem      (a file, relative to the CSV's folder)
// Only rows of namespace "certacl" are taken; values may not contain newlines (data rows).

#include <map>
#include <string>

#include "certacl_fw/result.h"

namespace certacl::fw::host {

[[nodiscard]] Result<std::map<std::string, std::string>> read_factory_csv(const std::string& path);

}  // namespace certacl::fw::host
