#include "postgres_registry_loader.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "log_escape.h"

namespace certacl::plugin {
namespace {

std::string last_dl_error() {
  const char* error = dlerror();
  return error != nullptr ? policy::printable(error) : std::string("unknown error");
}

}  // namespace

std::string default_postgres_module_path() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&default_postgres_module_path), &info) == 0 ||
      info.dli_fname == nullptr) {
    throw std::runtime_error("cannot tell which file the certacl plugin was loaded from");
  }
  // dli_fname is the name the file was opened by, possibly a symlink in another directory.
  const std::unique_ptr<char, decltype(&std::free)> real(realpath(info.dli_fname, nullptr),
                                                         &std::free);
  const std::string own = real ? real.get() : info.dli_fname;
  const std::size_t slash = own.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : own.substr(0, slash);
  return directory + "/" + kPostgresModuleFileName;
}

PostgresRegistry open_postgres_registry(const PostgresRegistryRequest& request,
                                        const std::string& module_path) {
  // RTLD_NODELETE: a later dlclose (none is made) or a second dlopen keeps the same copy.
  void* module = dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (module == nullptr) {
    throw std::runtime_error(fmt::format(
        "plugin_opt_db_url needs the PostgreSQL module '{}', which cannot be loaded: {}",
        policy::printable(module_path), last_dl_error()));
  }
  auto* open = reinterpret_cast<OpenPostgresRegistry>(dlsym(module, kOpenPostgresRegistrySymbol));
  if (open == nullptr) {
    throw std::runtime_error(fmt::format("'{}' is not certacl's PostgreSQL module: {}",
                                         policy::printable(module_path), last_dl_error()));
  }
  PostgresRegistry result;
  open(request, result);
  if (!result.error.empty()) throw std::runtime_error(result.error);
  if (!result.snapshot || !result.watcher || !result.probe) {
    throw std::runtime_error(
        fmt::format("'{}' returned no registry", policy::printable(module_path)));
  }
  return result;
}

}  // namespace certacl::plugin
