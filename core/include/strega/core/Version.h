#pragma once
/// \file
/// \brief Version of StRegA desktop and the git commit it was built from.

namespace strega {

/// "0.1.0"
const char* versionString();
/// Short git commit hash at configure time, or "unknown" outside a git checkout.
const char* gitCommit();

} // namespace strega
