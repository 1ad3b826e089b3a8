#pragma once
/// \file
/// \brief TrainingLog: per-step training losses and validation losses, as CSV and as a PNG loss curve.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace strega::model {

/// \brief Losses of one optimisation step (means over the batch; METHOD.md §3 terms).
struct LossRecord {
  std::int64_t step = 0;  ///< 1-based step number
  std::int64_t epoch = 0; ///< 0-based epoch (pass over the training slices) the step belongs to
  double loss = 0.0;      ///< total loss
  double kl = 0.0;        ///< KL(q(z|x) || N(0, I)), mean over latent dims and batch
  double l1 = 0.0;        ///< L1(x̂, x), mean over pixels and batch
  double l1Context = 0.0; ///< L1(dec(enc(x̃)), x)
  double validationLoss = std::numeric_limits<double>::quiet_NaN(); ///< NaN where not evaluated
  double seconds = 0.0; ///< wall time since training started (cumulative across resumes)
};

/// \brief The loss history of a training run. CSV columns: step,epoch,loss,kl,l1,l1_context,validation_loss,
/// seconds (validation_loss empty where not evaluated).
class TrainingLog {
public:
  void add(const LossRecord& record) { m_records.push_back(record); }
  const std::vector<LossRecord>& records() const { return m_records; }
  /// Drop records of steps > step (a resume from an earlier checkpoint).
  void truncateAfter(std::int64_t step);

  std::string toCsv() const;
  /// Parse toCsv(); throws Error(Model) when malformed.
  static TrainingLog fromCsv(const std::string& csv);
  /// Write the CSV atomically.
  void writeCsv(const std::filesystem::path& path) const;
  /// Write a PNG of the training loss (mean over windows of steps) and validation loss against the step
  /// (log y axis), atomically.
  void writePlot(const std::filesystem::path& path, const std::string& title = "cceVAE training") const;

private:
  std::vector<LossRecord> m_records;
};

} // namespace strega::model
