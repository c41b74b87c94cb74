#include "registry_file_guard.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "certacl/sqlite.h"
#include "registry_acceptance.h"

namespace certacl::plugin {
namespace {

policy::FileFacts facts_of(const std::string& path) {
  policy::FileFacts facts;
  facts.path = path;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return facts;
  facts.exists = true;
  facts.regular_file = S_ISREG(info.st_mode);
  facts.directory = S_ISDIR(info.st_mode);
  facts.symbolic_link = S_ISLNK(info.st_mode);
  facts.owner = info.st_uid;
  facts.mode = info.st_mode & 07777;
  if (facts.symbolic_link && std::filesystem::is_directory(path)) {
    // A directory reached through a link (/var/lib -> /srv/lib) is judged by its target.
    if (::stat(path.c_str(), &info) == 0) {
      facts.directory = true;
      facts.symbolic_link = false;
      facts.owner = info.st_uid;
      facts.mode = info.st_mode & 07777;
    }
  }
  return facts;
}

std::string directory_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

void check_registry_files(const std::string& db_path) {
  const std::string problem = policy::registry_file_problem(
      facts_of(db_path), facts_of(directory_of(db_path)), static_cast<std::uint32_t>(::geteuid()));
  if (!problem.empty()) throw DatabaseError(problem, SQLITE_PERM);
}

std::string root_broker_warning() {
  if (::geteuid() != 0) return {};
  return "the broker runs as root: no file mode can keep it from changing the registry; run "
         "it as its own user (docs/DEPLOYMENT.md)";
}

}  // namespace certacl::plugin
