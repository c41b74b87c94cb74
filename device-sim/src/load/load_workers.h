#pragma once
// The fleet across worker processes: the open-file limit is per process (libmosquitto
// costs 3 descriptors a device), so a fleet larger than one process can hold runs as
// several copies of certacl-sim, each driving its slice. The parent starts them
// (fork/exec of /proc/self/exe with the hidden --worker-slice I/N), prints their summed
// progress once a second, releases them into the publish phase together once every one
// has connected its slice (so the whole fleet is connected at once), and merges their
// results (load/fleet_split.h).
//
// Parent and worker speak JSON lines: the worker writes {"progress":{...}} once a second,
// {"ready":true} when its ramp is done and {"result":{...}} at the end on its stdout; the
// parent writes "go" to the worker's stdin. A worker's stderr is the parent's.

#include <cstddef>
#include <iosfwd>

#include "load/load_run.h"

namespace certacl::sim {

// Parent side: runs `count` workers over the already provisioned fleet.
LoadResult run_load_workers(const LoadSettings& settings, std::size_t count,
                            std::ostream& progress);

// Worker side (certacl-sim load ... --worker-slice I/N): drives slice I of N, talking to
// the parent on stdin/stdout. Returns the process exit code.
int run_load_worker(const LoadSettings& fleet_settings, std::size_t index, std::size_t count);

}  // namespace certacl::sim
