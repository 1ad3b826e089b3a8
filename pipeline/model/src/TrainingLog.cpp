#include "strega/model/TrainingLog.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"
#include "strega/core/LinePlot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace strega::model {

void TrainingLog::truncateAfter(std::int64_t step) {
  std::erase_if(m_records, [step](const LossRecord& r) { return r.step > step; });
}

std::string TrainingLog::toCsv() const {
  std::string out = "step,epoch,loss,kl,l1,l1_context,validation_loss,seconds\n";
  char line[320];
  for (const auto& r : m_records) {
    char validation[40] = "";
    if (std::isfinite(r.validationLoss)) std::snprintf(validation, sizeof validation, "%.17g", r.validationLoss);
    std::snprintf(line, sizeof line, "%lld,%lld,%.17g,%.17g,%.17g,%.17g,%s,%.3f\n", static_cast<long long>(r.step),
                  static_cast<long long>(r.epoch), r.loss, r.kl, r.l1, r.l1Context, validation, r.seconds);
    out += line;
  }
  return out;
}

TrainingLog TrainingLog::fromCsv(const std::string& csv) {
  TrainingLog log;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');)
      cells.push_back(cell);
    if (line.back() == ',') cells.emplace_back();
    if (cells.size() != 8) throw Error(ErrorKind::Model, "the training log is malformed", "line: " + line);
    try {
      LossRecord r;
      r.step = std::stoll(cells[0]);
      r.epoch = std::stoll(cells[1]);
      r.loss = std::stod(cells[2]);
      r.kl = std::stod(cells[3]);
      r.l1 = std::stod(cells[4]);
      r.l1Context = std::stod(cells[5]);
      if (!cells[6].empty()) r.validationLoss = std::stod(cells[6]);
      r.seconds = std::stod(cells[7]);
      log.add(r);
    } catch (const std::exception&) {
      throw Error(ErrorKind::Model, "the training log is malformed", "line: " + line);
    }
  }
  return log;
}

void TrainingLog::writeCsv(const std::filesystem::path& path) const { writeFileAtomically(path, toCsv()); }

void TrainingLog::writePlot(const std::filesystem::path& path, const std::string& title) const {
  PlotSeries train{"training loss", {}, {}, {31, 119, 180}, false};
  PlotSeries validation{"validation loss", {}, {}, {214, 39, 40}, true};
  // Average the noisy per-step loss over windows so that about 200 points remain.
  const std::size_t window = std::max<std::size_t>(1, m_records.size() / 200);
  for (std::size_t i = 0; i < m_records.size(); i += window) {
    const std::size_t end = std::min(m_records.size(), i + window);
    double sum = 0.0;
    for (std::size_t j = i; j < end; ++j)
      sum += m_records[j].loss;
    train.x.push_back(static_cast<double>(m_records[end - 1].step));
    train.y.push_back(sum / static_cast<double>(end - i));
  }
  for (const auto& r : m_records)
    if (std::isfinite(r.validationLoss)) {
      validation.x.push_back(static_cast<double>(r.step));
      validation.y.push_back(r.validationLoss);
    }
  LinePlotOptions options;
  options.title = title;
  options.xLabel = "step";
  options.yLabel = "loss";
  options.logY = true;
  writePng(path, renderLinePlot({train, validation}, options));
}

} // namespace strega::model
