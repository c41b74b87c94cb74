#pragma once
// Output files appear whole or not at all: the content goes to a temporary file in the
// same directory, is fsynced, then renamed over the target. The temporary file is created
// up front, so an unwritable path is reported before anything is signed or recorded.
// Before that, and again just before the rename, the target is refused when it is a
// symbolic link, a device node or anything but a regular file (an admin typing
// /dev/stdout must not replace the link), or when it is one of the files registered with
// protect_from_output (the CA key, the database): compared by device and inode, so a
// hard link or another spelling of the path is caught too.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace certacl::ca {

// Registers a file no output may replace, e.g. protect_from_output(key_path, "the CA key").
// Missing files are ignored. open_database registers the database, its journal and the
// CA key named in it.
void protect_from_output(const std::string& path, const std::string& what);

class AtomicFile {
 public:
  // Throws CaError(kStorage) naming `path` when its directory is not writable.
  AtomicFile(std::string path, mode_t mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Writes, fsyncs and renames into place. With `replace` false an existing target is
  // never overwritten (link instead of rename).
  void commit(std::string_view contents, bool replace = true);
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::string temporary_path_;
  int descriptor_ = -1;
  void discard() noexcept;
};

// Convenience for a single file written at once.
void write_file_atomically(const std::string& path, std::string_view contents, mode_t mode);

}  // namespace certacl::ca
