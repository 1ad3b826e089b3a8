// libFuzzer target: the run-options JSON (`strega-cli --config`, the config of report.json) through
// applyRunOptionsJson(). Options it accepts must survive runOptionsToJson() and be read back to the same text:
// that is how a batch compares a case's recorded config with the current one.
#include "FuzzSupport.h"

#include "strega/pipeline/CaseRunner.h"

#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  strega::pipeline::RunOptions options;
  try {
    strega::pipeline::applyRunOptionsJson(text, options);
  } catch (const strega::Error&) {
    return 0;
  }
  const std::string written = strega::pipeline::runOptionsToJson(options);
  strega::pipeline::configFingerprint(options);
  strega::pipeline::RunOptions reread;
  try {
    strega::pipeline::applyRunOptionsJson(written, reread);
  } catch (const strega::Error& e) {
    std::fprintf(stderr, "accepted options are not read back: %s\n%s\n", e.what(), written.c_str());
    std::abort();
  }
  if (strega::pipeline::runOptionsToJson(reread) != written) {
    std::fprintf(stderr, "options changed on the way through JSON:\n%s\n", written.c_str());
    std::abort();
  }
  return 0;
}
