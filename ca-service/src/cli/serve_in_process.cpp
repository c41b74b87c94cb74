// certacl-ca-est: `serve` runs the EST server in this process.
#include "cli/serve_launch.h"

namespace certacl::ca::cli {

void launch_est_server(const est::ServeOptions& options) {
  est::serve(options);
}

}  // namespace certacl::ca::cli
