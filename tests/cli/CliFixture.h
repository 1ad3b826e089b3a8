#pragma once
/// \file
/// \brief CliFixture: the CliTest fixture of the phantom and eval tests, with every run quiet (-q).

#include "CliTestSupport.h"

namespace strega::clitest {

namespace fs = std::filesystem;
using CliResult = strega::testing::CliRun;

/// \brief CliTest whose runs all start with -q.
class CliFixture : public strega::testing::CliTest {
protected:
  CliFixture() { m_quiet = true; }
};

} // namespace strega::clitest
