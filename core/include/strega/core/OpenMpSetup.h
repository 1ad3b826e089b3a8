#pragma once
/// \file
/// \brief Makes OpenMP (used by LibTorch and OpenBLAS) wait passively, which it reads only at process start.

namespace strega {

/// When OMP_WAIT_POLICY is not set, sets it to PASSIVE and re-executes the program (/proc/self/exe) with the
/// same arguments; returns only when it is set already (or when re-executing failed, which is harmless).
/// Why: spinning OpenMP workers make the model up to 17x slower as soon as anything else uses the cores
/// (measured: 13.2 s against 0.79 s for one head on the 2-core machine under load), and costs nothing when idle.
/// The OpenMP runtime reads the variable when it is loaded, before main(), so setting it later has no effect.
/// Call first thing in main().
void ensurePassiveOpenMpWait(char** argv);

} // namespace strega
