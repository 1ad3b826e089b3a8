#include "AppSettings.h"

#include <QColor>

#include <array>
#include <type_traits>
#include <variant>

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

namespace {

/// One persisted field of a settings group: its key below the group's prefix and the member it holds.
template <class Group> struct Field {
  const char* key;
  std::variant<QString Group::*, double Group::*, int Group::*, bool Group::*> member;
};

/// Each group's fields, once: reading and writing both follow the table.
const std::array<Field<ScreeningSettings>, 9> kScreeningFields{{
  {"device", &ScreeningSettings::device},
  {"model", &ScreeningSettings::modelPath},
  {"fixedThreshold", &ScreeningSettings::fixedThreshold},
  {"threshold", &ScreeningSettings::threshold},
  {"minAreaMm2", &ScreeningSettings::minAreaMm2},
  {"openingRadiusMm", &ScreeningSettings::openingRadiusMm},
  {"fillHoles", &ScreeningSettings::fillHoles},
  {"skipRegistration", &ScreeningSettings::skipRegistration},
  {"outputRoot", &ScreeningSettings::outputRoot},
}};
const std::array<Field<BatchSettings>, 4> kBatchFields{{
  {"input", &BatchSettings::inputFolder},
  {"output", &BatchSettings::outputFolder},
  {"jobs", &BatchSettings::jobs},
  {"resume", &BatchSettings::resume},
}};
const std::array<Field<EvalSettings>, 7> kEvalFields{{
  {"predictions", &EvalSettings::predictionsFolder},
  {"truth", &EvalSettings::truthFolder},
  {"output", &EvalSettings::outputFolder},
  {"results", &EvalSettings::resultsFolder},
  {"baseline", &EvalSettings::baseline},
  {"baselineModality", &EvalSettings::modality},
  {"baselineK", &EvalSettings::k},
}};

/// A group as stored under `prefix`; a missing key keeps the field's default.
template <class Group, std::size_t N>
Group readGroup(const QSettings& settings, const QString& prefix, const std::array<Field<Group>, N>& fields) {
  Group group;
  for (const auto& field : fields)
    std::visit(
      [&](auto member) {
        using Value = std::remove_reference_t<decltype(group.*member)>;
        group.*member = settings.value(prefix + QLatin1String(field.key), group.*member).template value<Value>();
      },
      field.member);
  return group;
}

template <class Group, std::size_t N>
void writeGroup(QSettings& settings, const QString& prefix, const std::array<Field<Group>, N>& fields,
                const Group& group) {
  for (const auto& field : fields)
    std::visit([&](auto member) { settings.setValue(prefix + QLatin1String(field.key), group.*member); }, field.member);
}

} // namespace

ScreeningSettings AppSettings::screening() const {
  return readGroup(m_settings, QStringLiteral("screening/"), kScreeningFields);
}
void AppSettings::setScreening(const ScreeningSettings& s) {
  writeGroup(m_settings, QStringLiteral("screening/"), kScreeningFields, s);
}

BatchSettings AppSettings::batch() const { return readGroup(m_settings, QStringLiteral("batch/"), kBatchFields); }
void AppSettings::setBatch(const BatchSettings& s) {
  writeGroup(m_settings, QStringLiteral("batch/"), kBatchFields, s);
}

EvalSettings AppSettings::evaluation() const {
  return readGroup(m_settings, QStringLiteral("evaluation/"), kEvalFields);
}
void AppSettings::setEvaluation(const EvalSettings& s) {
  writeGroup(m_settings, QStringLiteral("evaluation/"), kEvalFields, s);
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
