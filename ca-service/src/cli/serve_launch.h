#pragma once
// How `certacl-ca serve` runs the server. The HTTP stack (cpp-httplib, built by Debian
// with BIND_NOW, and its zlib/brotli) costs every process that links it a few
// milliseconds at start, which every `certacl-ca sign` in a provisioning loop would pay.
// So certacl-ca itself links none of it: its `serve` checks the options and then execs
// the sibling executable certacl-ca-est with the same arguments, which serves in-process.

#include "est/est_server.h"

namespace certacl::ca::cli {

// certacl-ca-est: serves until stopped. certacl-ca: replaces the process with
// certacl-ca-est (same arguments, same pid, so signals and systemd see one process);
// throws CaError(kStorage) when that executable cannot be run.
void launch_est_server(const est::ServeOptions& options);

}  // namespace certacl::ca::cli
