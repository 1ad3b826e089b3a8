#include "strega/core/OpenMpSetup.h"

#include <cstdlib>
#include <unistd.h>

namespace strega {

void ensurePassiveOpenMpWait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  ::execv("/proc/self/exe", argv); // only returns on failure: carry on with the active policy
}

} // namespace strega
