#include "certacl_fw_host/factory_csv.h"

#include <fstream>
#include <sstream>

namespace certacl::fw::host {
namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{64} * 1024;
constexpr int kMaxRows = 256;

Result<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::failure("cannot open '" + path + "'");
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  if (text.size() > kMaxFileBytes) return Status::failure("'" + path + "' is too large");
  return text;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

Result<std::map<std::string, std::string>> read_factory_csv(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  std::istringstream lines(text.value());
  std::string line;
  std::map<std::string, std::string> values;
  std::string current_namespace;
  int row = 0;
  while (std::getline(lines, line)) {
    if (++row > kMaxRows)
      return Status::failure(path + ": more than " + std::to_string(kMaxRows) + " rows");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    // key,type,encoding,value: the value is everything after the third comma.
    std::size_t commas[3];
    std::size_t from = 0;
    bool complete = true;
    for (auto& comma : commas) {
      comma = line.find(',', from);
      if (comma == std::string::npos) {
        complete = false;
        break;
      }
      from = comma + 1;
    }
    const std::string where = path + ":" + std::to_string(row);
    if (!complete) return Status::failure(where + ": expected key,type,encoding,value");
    const std::string key = line.substr(0, commas[0]);
    const std::string type = line.substr(commas[0] + 1, commas[1] - commas[0] - 1);
    const std::string encoding = line.substr(commas[1] + 1, commas[2] - commas[1] - 1);
    const std::string value = line.substr(commas[2] + 1);
    if (row == 1 && key == "key") continue;  // the header
    if (type == "namespace") {
      current_namespace = key;
      continue;
    }
    if (current_namespace != "certacl") continue;
    if (key.empty() || key.size() > 15)
      return Status::failure(where + ": NVS keys are 1..15 bytes");
    if (encoding != "string") return Status::failure(where + ": certacl settings are strings");
    if (type == "data") {
      values[key] = value;
    } else if (type == "file") {
      if (value.empty()) return Status::failure(where + ": a file row needs a path");
      auto contents = read_file(value.front() == '/' ? value : folder_of(path) + "/" + value);
      if (!contents) return Status::failure(where + ": " + contents.error());
      values[key] = std::move(contents.value());
    } else {
      return Status::failure(
          std::string(where).append(": unknown type '").append(type).append("'"));
    }
  }
  return values;
}

}  // namespace certacl::fw::host
