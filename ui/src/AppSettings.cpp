#include "AppSettings.h"

#include <QColor>

namespace strega::ui {

namespace {
QString colourName(render::Rgb c) { return QColor(c.r, c.g, c.b).name(); }
render::Rgb colourFrom(const QString& name, render::Rgb fallback) {
  const QColor c(name);
  if (!c.isValid()) return fallback;
  return {static_cast<std::uint8_t>(c.red()), static_cast<std::uint8_t>(c.green()),
          static_cast<std::uint8_t>(c.blue())};
}
QString prefix(OverlayRole role) { return QStringLiteral("overlays/") + settingsKey(role) + QLatin1Char('/'); }
} // namespace

QString AppSettings::lastFolder() const { return m_settings.value(QStringLiteral("files/lastFolder")).toString(); }
void AppSettings::setLastFolder(const QString& folder) {
  m_settings.setValue(QStringLiteral("files/lastFolder"), folder);
}

QStringList AppSettings::recentFiles() const { return m_settings.value(QStringLiteral("files/recent")).toStringList(); }

void AppSettings::addRecentFile(const QString& path) {
  QStringList list = recentFiles();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecentFiles)
    list.removeLast();
  m_settings.setValue(QStringLiteral("files/recent"), list);
}

void AppSettings::removeRecentFile(const QString& path) {
  QStringList list = recentFiles();
  list.removeAll(path);
  m_settings.setValue(QStringLiteral("files/recent"), list);
}

int AppSettings::layout() const { return m_settings.value(QStringLiteral("view/layout"), kGridLayout).toInt(); }
void AppSettings::setLayout(int layout) { m_settings.setValue(QStringLiteral("view/layout"), layout); }

render::DisplayConvention AppSettings::convention() const {
  return m_settings.value(QStringLiteral("view/convention")).toString() == QLatin1String("neurological")
           ? render::DisplayConvention::Neurological
           : render::DisplayConvention::Radiological;
}

void AppSettings::setConvention(render::DisplayConvention convention) {
  m_settings.setValue(QStringLiteral("view/convention"), convention == render::DisplayConvention::Neurological
                                                           ? QStringLiteral("neurological")
                                                           : QStringLiteral("radiological"));
}

render::HeatStyle AppSettings::heatStyle(OverlayRole role, const render::HeatStyle& defaults) const {
  render::HeatStyle s = defaults;
  const QString p = prefix(role);
  s.visible = m_settings.value(p + QStringLiteral("visible"), s.visible).toBool();
  s.opacity = m_settings.value(p + QStringLiteral("opacity"), s.opacity).toDouble();
  s.colormap = render::colormapFromString(
    m_settings.value(p + QStringLiteral("colormap"), QString::fromLatin1(render::toString(s.colormap)))
      .toString()
      .toStdString());
  return s;
}

void AppSettings::setHeatStyle(OverlayRole role, const render::HeatStyle& style) {
  const QString p = prefix(role);
  m_settings.setValue(p + QStringLiteral("visible"), style.visible);
  m_settings.setValue(p + QStringLiteral("opacity"), style.opacity);
  m_settings.setValue(p + QStringLiteral("colormap"), QString::fromLatin1(render::toString(style.colormap)));
}

render::LabelStyle AppSettings::labelStyle(OverlayRole role, const render::LabelStyle& defaults) const {
  render::LabelStyle s = defaults;
  const QString p = prefix(role);
  s.visible = m_settings.value(p + QStringLiteral("visible"), s.visible).toBool();
  s.opacity = m_settings.value(p + QStringLiteral("opacity"), s.opacity).toDouble();
  s.colour = colourFrom(m_settings.value(p + QStringLiteral("colour"), colourName(s.colour)).toString(), s.colour);
  const QString mode = m_settings.value(p + QStringLiteral("mode")).toString();
  if (mode == QLatin1String("outline")) s.mode = render::MaskMode::Outline;
  if (mode == QLatin1String("fill")) s.mode = render::MaskMode::Fill;
  return s;
}

void AppSettings::setLabelStyle(OverlayRole role, const render::LabelStyle& style) {
  const QString p = prefix(role);
  m_settings.setValue(p + QStringLiteral("visible"), style.visible);
  m_settings.setValue(p + QStringLiteral("opacity"), style.opacity);
  m_settings.setValue(p + QStringLiteral("colour"), colourName(style.colour));
  m_settings.setValue(p + QStringLiteral("mode"),
                      style.mode == render::MaskMode::Outline ? QStringLiteral("outline") : QStringLiteral("fill"));
}

QList<WindowLevelPreset> AppSettings::windowLevelPresets() const {
  QList<WindowLevelPreset> presets;
  const int n = m_settings.beginReadArray(QStringLiteral("windowLevelPresets"));
  for (int i = 0; i < n; ++i) {
    m_settings.setArrayIndex(i);
    presets.append({m_settings.value(QStringLiteral("name")).toString(),
                    m_settings.value(QStringLiteral("window"), 1.0).toDouble(),
                    m_settings.value(QStringLiteral("level"), 0.5).toDouble()});
  }
  m_settings.endArray();
  return presets;
}

void AppSettings::setWindowLevelPresets(const QList<WindowLevelPreset>& presets) {
  m_settings.beginWriteArray(QStringLiteral("windowLevelPresets"), static_cast<int>(presets.size()));
  for (int i = 0; i < presets.size(); ++i) {
    m_settings.setArrayIndex(i);
    m_settings.setValue(QStringLiteral("name"), presets[i].name);
    m_settings.setValue(QStringLiteral("window"), presets[i].window);
    m_settings.setValue(QStringLiteral("level"), presets[i].level);
  }
  m_settings.endArray();
}

ScreeningSettings AppSettings::screening() const {
  ScreeningSettings s;
  const QString p = QStringLiteral("screening/");
  s.device = m_settings.value(p + QStringLiteral("device"), s.device).toString();
  s.modelPath = m_settings.value(p + QStringLiteral("model"), s.modelPath).toString();
  s.fixedThreshold = m_settings.value(p + QStringLiteral("fixedThreshold"), s.fixedThreshold).toBool();
  s.threshold = m_settings.value(p + QStringLiteral("threshold"), s.threshold).toDouble();
  s.minAreaMm2 = m_settings.value(p + QStringLiteral("minAreaMm2"), s.minAreaMm2).toDouble();
  s.openingRadiusMm = m_settings.value(p + QStringLiteral("openingRadiusMm"), s.openingRadiusMm).toDouble();
  s.fillHoles = m_settings.value(p + QStringLiteral("fillHoles"), s.fillHoles).toBool();
  s.skipRegistration = m_settings.value(p + QStringLiteral("skipRegistration"), s.skipRegistration).toBool();
  s.outputRoot = m_settings.value(p + QStringLiteral("outputRoot"), s.outputRoot).toString();
  return s;
}

void AppSettings::setScreening(const ScreeningSettings& s) {
  const QString p = QStringLiteral("screening/");
  m_settings.setValue(p + QStringLiteral("device"), s.device);
  m_settings.setValue(p + QStringLiteral("model"), s.modelPath);
  m_settings.setValue(p + QStringLiteral("fixedThreshold"), s.fixedThreshold);
  m_settings.setValue(p + QStringLiteral("threshold"), s.threshold);
  m_settings.setValue(p + QStringLiteral("minAreaMm2"), s.minAreaMm2);
  m_settings.setValue(p + QStringLiteral("openingRadiusMm"), s.openingRadiusMm);
  m_settings.setValue(p + QStringLiteral("fillHoles"), s.fillHoles);
  m_settings.setValue(p + QStringLiteral("skipRegistration"), s.skipRegistration);
  m_settings.setValue(p + QStringLiteral("outputRoot"), s.outputRoot);
}

BatchSettings AppSettings::batch() const {
  BatchSettings s;
  const QString p = QStringLiteral("batch/");
  s.inputFolder = m_settings.value(p + QStringLiteral("input"), s.inputFolder).toString();
  s.outputFolder = m_settings.value(p + QStringLiteral("output"), s.outputFolder).toString();
  s.jobs = m_settings.value(p + QStringLiteral("jobs"), s.jobs).toInt();
  s.resume = m_settings.value(p + QStringLiteral("resume"), s.resume).toBool();
  return s;
}

void AppSettings::setBatch(const BatchSettings& s) {
  const QString p = QStringLiteral("batch/");
  m_settings.setValue(p + QStringLiteral("input"), s.inputFolder);
  m_settings.setValue(p + QStringLiteral("output"), s.outputFolder);
  m_settings.setValue(p + QStringLiteral("jobs"), s.jobs);
  m_settings.setValue(p + QStringLiteral("resume"), s.resume);
}

EvalSettings AppSettings::evaluation() const {
  EvalSettings s;
  const QString p = QStringLiteral("evaluation/");
  s.predictionsFolder = m_settings.value(p + QStringLiteral("predictions"), s.predictionsFolder).toString();
  s.truthFolder = m_settings.value(p + QStringLiteral("truth"), s.truthFolder).toString();
  s.outputFolder = m_settings.value(p + QStringLiteral("output"), s.outputFolder).toString();
  s.resultsFolder = m_settings.value(p + QStringLiteral("results"), s.resultsFolder).toString();
  s.baseline = m_settings.value(p + QStringLiteral("baseline"), s.baseline).toBool();
  s.modality = m_settings.value(p + QStringLiteral("baselineModality"), s.modality).toString();
  s.k = m_settings.value(p + QStringLiteral("baselineK"), s.k).toDouble();
  return s;
}

void AppSettings::setEvaluation(const EvalSettings& s) {
  const QString p = QStringLiteral("evaluation/");
  m_settings.setValue(p + QStringLiteral("predictions"), s.predictionsFolder);
  m_settings.setValue(p + QStringLiteral("truth"), s.truthFolder);
  m_settings.setValue(p + QStringLiteral("output"), s.outputFolder);
  m_settings.setValue(p + QStringLiteral("results"), s.resultsFolder);
  m_settings.setValue(p + QStringLiteral("baseline"), s.baseline);
  m_settings.setValue(p + QStringLiteral("baselineModality"), s.modality);
  m_settings.setValue(p + QStringLiteral("baselineK"), s.k);
}

QByteArray AppSettings::windowGeometry() const {
  return m_settings.value(QStringLiteral("window/geometry")).toByteArray();
}
QByteArray AppSettings::windowState() const { return m_settings.value(QStringLiteral("window/state")).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& geometry, const QByteArray& state) {
  m_settings.setValue(QStringLiteral("window/geometry"), geometry);
  m_settings.setValue(QStringLiteral("window/state"), state);
}

} // namespace strega::ui
