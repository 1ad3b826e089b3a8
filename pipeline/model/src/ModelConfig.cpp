#include "strega/model/ModelConfig.h"

#include "strega/core/Error.h"

#include <cmath>
#include <map>
#include <sstream>

namespace strega::model {
namespace {

/// One convolution of the network with the feature-map sizes around it.
struct Layer {
  std::string module; // "enc.start", "enc.middle_blocks.1", ...
  bool transposed;    // ConvTranspose2d
  int in, out, kernel, stride, padding;
  int inSize, outSize; // square feature-map sides
  bool activation;     // PReLU after it
};

std::vector<Layer> layersOf(const ModelConfig& c) {
  const auto& f = c.featureMaps;
  const int s = c.inputSize;
  const int b = c.bottleneckSize();
  return {
    {"enc.start", false, 1, f[0], 3, 2, 1, s, s / 2, true},
    {"enc.middle_blocks.1", false, f[0], f[1], 3, 2, 1, s / 2, s / 4, true},
    {"enc.middle_blocks.3", false, f[1], f[2], 3, 2, 1, s / 4, s / 8, true},
    {"enc.middle_blocks.5", false, f[2], f[3], 3, 2, 1, s / 8, b, true},
    {"enc.end", false, f[3], 2 * c.latentDim, b, 1, 0, b, 1, false},
    {"dec.start", true, c.latentDim, f[3], b, 1, 0, 1, b, true},
    {"dec.middle_blocks.1", true, f[3], f[2], 4, 2, 1, b, s / 8, true},
    {"dec.middle_blocks.3", true, f[2], f[1], 4, 2, 1, s / 8, s / 4, true},
    {"dec.middle_blocks.5", true, f[1], f[0], 4, 2, 1, s / 4, s / 2, true},
    {"dec.end", true, f[0], 1, 4, 2, 1, s / 2, s, false},
  };
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

int parseInt(const std::string& key, const std::string& value) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(value, &used);
    if (used != value.size()) throw std::invalid_argument(value);
    return v;
  } catch (const std::exception&) {
    throw Error(ErrorKind::Model, "the model configuration is malformed", key + "=" + value + " is not an integer");
  }
}

} // namespace

std::int64_t ParameterSpec::elementCount() const {
  std::int64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}

std::string ParameterSpec::shapeText() const {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ',';
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

ModelConfig ModelConfig::reference() {
  ModelConfig c;
  c.name = "reference";
  c.inputSize = 256;
  c.featureMaps = {16, 64, 256, 1024};
  c.latentDim = 1024;
  c.fieldOfViewMm = 256.0;
  return c;
}

ModelConfig ModelConfig::compact() { return ModelConfig{}; }

ModelConfig ModelConfig::byName(const std::string& name) {
  if (name == "reference") return reference();
  if (name == "compact") return compact();
  throw Error(ErrorKind::InvalidArgument, "unknown model configuration '" + name + "' (use reference or compact)");
}

void ModelConfig::validate() const {
  auto fail = [](const std::string& what) {
    throw Error(ErrorKind::InvalidArgument, "invalid model configuration: " + what);
  };
  if (inputSize < 16 || inputSize % 16 != 0) fail("input size must be a positive multiple of 16");
  for (int f : featureMaps)
    if (f < 1) fail("feature maps must be positive");
  if (latentDim < 1) fail("latent size must be positive");
  if (!(fieldOfViewMm > 0.0) || !std::isfinite(fieldOfViewMm)) fail("field of view must be positive");
}

std::string ModelConfig::toKeyValueText() const {
  std::ostringstream out;
  out.precision(17);
  out << "name=" << name << "\n"
      << "input_size=" << inputSize << "\n"
      << "feature_maps=" << featureMaps[0] << "," << featureMaps[1] << "," << featureMaps[2] << "," << featureMaps[3]
      << "\n"
      << "latent_dim=" << latentDim << "\n"
      << "field_of_view_mm=" << fieldOfViewMm << "\n";
  return out.str();
}

ModelConfig ModelConfig::fromKeyValueText(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw Error(ErrorKind::Model, "the model configuration is malformed", "line without '=': " + line);
    kv[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  auto need = [&](const std::string& key) -> const std::string& {
    auto it = kv.find(key);
    if (it == kv.end()) throw Error(ErrorKind::Model, "the model configuration is incomplete", "missing key " + key);
    return it->second;
  };
  ModelConfig c;
  c.name = need("name");
  c.inputSize = parseInt("input_size", need("input_size"));
  {
    std::istringstream fm(need("feature_maps"));
    std::string item;
    int i = 0;
    while (std::getline(fm, item, ',')) {
      if (i >= 4) throw Error(ErrorKind::Model, "the model configuration is malformed", "more than 4 feature maps");
      c.featureMaps[i++] = parseInt("feature_maps", trim(item));
    }
    if (i != 4) throw Error(ErrorKind::Model, "the model configuration is malformed", "fewer than 4 feature maps");
  }
  c.latentDim = parseInt("latent_dim", need("latent_dim"));
  try {
    c.fieldOfViewMm = std::stod(need("field_of_view_mm"));
  } catch (const std::invalid_argument&) {
    throw Error(ErrorKind::Model, "the model configuration is malformed", "field_of_view_mm is not a number");
  }
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(ErrorKind::Model, e.userMessage());
  }
  return c;
}

bool ModelConfig::sameArchitecture(const ModelConfig& other) const {
  return inputSize == other.inputSize && featureMaps == other.featureMaps && latentDim == other.latentDim;
}

std::string ModelConfig::nameFromShape() const {
  for (const auto& named : {reference(), compact()})
    if (sameArchitecture(named) && fieldOfViewMm == named.fieldOfViewMm) return named.name;
  return "custom";
}

std::vector<ParameterSpec> parameterSpecs(const ModelConfig& config) {
  config.validate();
  std::vector<ParameterSpec> specs;
  for (const auto& l : layersOf(config)) {
    // PyTorch layouts: Conv2d [out,in,k,k], ConvTranspose2d [in,out,k,k].
    const std::int64_t a = l.transposed ? l.in : l.out;
    const std::int64_t b = l.transposed ? l.out : l.in;
    specs.push_back({l.module + ".conv.weight", {a, b, l.kernel, l.kernel}});
    if (l.activation) specs.push_back({l.module + ".activation.weight", {1}});
  }
  return specs;
}

std::int64_t parameterCount(const ModelConfig& config) {
  std::int64_t n = 0;
  for (const auto& p : parameterSpecs(config))
    n += p.elementCount();
  return n;
}

double forwardFlopsPerSlice(const ModelConfig& config) {
  config.validate();
  double flops = 0.0;
  for (const auto& l : layersOf(config)) {
    // A conv does one multiply-add per output pixel per (in, out, kernel tap); a transposed conv one per
    // input pixel per (in, out, kernel tap).
    const double pixels = l.transposed ? double(l.inSize) * l.inSize : double(l.outSize) * l.outSize;
    flops += 2.0 * pixels * l.in * l.out * l.kernel * l.kernel;
  }
  return flops;
}

std::string describeArchitecture(const ModelConfig& config) {
  config.validate();
  std::ostringstream out;
  for (const auto& l : layersOf(config)) {
    out << l.module << ": " << (l.transposed ? "transposed conv " : "conv ") << l.kernel << "x" << l.kernel << "/"
        << l.stride << " pad " << l.padding << ", " << l.in << "@" << l.inSize << "x" << l.inSize << " -> " << l.out
        << "@" << l.outSize << "x" << l.outSize << (l.activation ? ", PReLU" : ", linear") << "\n";
  }
  return out.str();
}

} // namespace strega::model
