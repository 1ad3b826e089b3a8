#include "strega/model/Safetensors.h"

#include "strega/core/AtomicOutput.h"
#include "strega/core/Error.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace strega::model {
namespace {

[[noreturn]] void malformed(const std::string& detail) {
  throw Error(ErrorKind::Model, "the safetensors file is malformed or truncated", detail);
}

struct JsonMember;

/// A JSON value, just enough for a safetensors header (objects, arrays, strings, integers, literals).
struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  std::string text;                // string value, or the number's digits
  std::vector<JsonValue> items;    // array
  std::vector<JsonMember> members; // object, in file order
};

/// One key of a JSON object. A struct of its own, not std::pair: clang (the fuzz build) refuses a vector of
/// std::pair<std::string, JsonValue> while JsonValue is still incomplete.
struct JsonMember {
  std::string key;
  JsonValue value;
};

/// Recursive-descent reader for the JSON subset a safetensors header uses; rejects anything malformed.
class JsonReader {
public:
  explicit JsonReader(std::string_view text) : m_text(text) {}

  JsonValue document() {
    JsonValue v = value(0);
    skipSpace();
    if (m_pos != m_text.size()) malformed("trailing characters after the JSON header");
    return v;
  }

private:
  void skipSpace() {
    while (m_pos < m_text.size() &&
           (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r'))
      ++m_pos;
  }
  char peek() {
    skipSpace();
    if (m_pos >= m_text.size()) malformed("JSON header ends early");
    return m_text[m_pos];
  }
  void expect(char c) {
    if (peek() != c) malformed(std::string("JSON header: expected '") + c + "' at offset " + std::to_string(m_pos));
    ++m_pos;
  }
  JsonValue value(int depth) {
    if (depth > 16) malformed("JSON header nested too deeply");
    const char c = peek();
    JsonValue v;
    if (c == '{') {
      v.type = JsonValue::Type::Object;
      ++m_pos;
      if (peek() == '}') {
        ++m_pos;
        return v;
      }
      for (;;) {
        if (peek() != '"') malformed("JSON header: object key is not a string");
        std::string key = string();
        expect(':');
        v.members.push_back({std::move(key), value(depth + 1)});
        if (peek() == ',') {
          ++m_pos;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = JsonValue::Type::Array;
      ++m_pos;
      if (peek() == ']') {
        ++m_pos;
        return v;
      }
      for (;;) {
        v.items.push_back(value(depth + 1));
        if (peek() == ',') {
          ++m_pos;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = JsonValue::Type::String;
      v.text = string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = JsonValue::Type::Number;
      const std::size_t start = m_pos;
      while (m_pos < m_text.size() && std::strchr("+-0123456789.eE", m_text[m_pos]))
        ++m_pos;
      v.text = std::string(m_text.substr(start, m_pos - start));
      return v;
    }
    for (const char* lit : {"true", "false", "null"}) {
      const std::size_t n = std::strlen(lit);
      if (m_text.substr(m_pos, n) == lit) {
        m_pos += n;
        v.type = lit[0] == 'n' ? JsonValue::Type::Null : JsonValue::Type::Bool;
        v.text = lit;
        return v;
      }
    }
    malformed("JSON header: unexpected character at offset " + std::to_string(m_pos));
  }
  std::string string() {
    expect('"');
    std::string out;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_pos >= m_text.size()) break;
      const char e = m_text[m_pos++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        if (m_pos + 4 > m_text.size()) malformed("JSON header: short \\u escape");
        const unsigned code = static_cast<unsigned>(std::stoul(std::string(m_text.substr(m_pos, 4)), nullptr, 16));
        m_pos += 4;
        // UTF-8 encode (surrogate pairs are not expected in tensor names; encoded individually).
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      default: malformed("JSON header: bad escape");
      }
    }
    malformed("JSON header: unterminated string");
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

std::uint64_t toUnsigned(const JsonValue& v, const std::string& what) {
  if (v.type != JsonValue::Type::Number || v.text.empty() ||
      v.text.find_first_not_of("0123456789") != std::string::npos || v.text.size() > 19)
    malformed(what + " is not a non-negative integer");
  return std::stoull(v.text);
}

std::size_t dtypeSize(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  malformed("unknown dtype " + dtype);
}

float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else { // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3FFu;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

template <class T> T loadLittleEndian(const char* p) {
  static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void appendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

} // namespace

SafetensorsFile SafetensorsFile::parse(std::string bytes) {
  SafetensorsFile file;
  if (bytes.size() < 8) malformed("shorter than the 8-byte header length");
  const std::uint64_t headerLength = loadLittleEndian<std::uint64_t>(bytes.data());
  if (headerLength > bytes.size() - 8 || headerLength > (100u << 20))
    malformed("header length " + std::to_string(headerLength) + " exceeds the file size " +
              std::to_string(bytes.size()));
  const std::string_view header(bytes.data() + 8, headerLength);
  JsonValue root;
  try {
    root = JsonReader(header).document();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) { // e.g. a bad \u escape
    malformed(std::string("JSON header: ") + e.what());
  }
  if (root.type != JsonValue::Type::Object) malformed("the JSON header is not an object");
  file.m_dataStart = 8 + headerLength;
  const std::size_t dataSize = bytes.size() - file.m_dataStart;
  for (const auto& [name, value] : root.members) {
    if (name == "__metadata__") {
      if (value.type != JsonValue::Type::Object) malformed("__metadata__ is not an object");
      for (const auto& [k, v] : value.members)
        if (v.type == JsonValue::Type::String) file.m_metadata[k] = v.text;
      continue;
    }
    if (value.type != JsonValue::Type::Object) malformed("entry " + name + " is not an object");
    Entry e;
    e.name = name;
    const JsonValue* offsets = nullptr;
    bool haveShape = false;
    for (const auto& [k, v] : value.members) {
      if (k == "dtype" && v.type == JsonValue::Type::String) e.dtype = v.text;
      if (k == "shape" && v.type == JsonValue::Type::Array) {
        haveShape = true;
        for (const auto& d : v.items)
          e.shape.push_back(static_cast<std::int64_t>(toUnsigned(d, name + " shape")));
      }
      if (k == "data_offsets" && v.type == JsonValue::Type::Array) offsets = &v;
    }
    if (e.dtype.empty() || !haveShape || !offsets || offsets->items.size() != 2)
      malformed("entry " + name + " lacks dtype, shape or data_offsets");
    e.begin = toUnsigned(offsets->items[0], name + " offset");
    e.end = toUnsigned(offsets->items[1], name + " offset");
    if (e.begin > e.end || e.end > dataSize)
      malformed("entry " + name + " lies outside the data (bytes " + std::to_string(e.begin) + ".." +
                std::to_string(e.end) + " of " + std::to_string(dataSize) + ")");
    std::uint64_t count = 1;
    for (auto d : e.shape)
      count *= static_cast<std::uint64_t>(d);
    if (count * dtypeSize(e.dtype) != e.end - e.begin)
      malformed("entry " + name + ": " + std::to_string(e.end - e.begin) + " bytes do not hold its shape");
    file.m_entries.push_back(std::move(e));
  }
  std::stable_sort(file.m_entries.begin(), file.m_entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  file.m_bytes = std::move(bytes);
  return file;
}

SafetensorsFile SafetensorsFile::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot open " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  try {
    return parse(std::move(buffer).str());
  } catch (const Error& e) {
    throw Error(e.kind(), e.userMessage() + ": " + path.string(), e.detail());
  }
}

NamedTensor SafetensorsFile::tensor(const Entry& e) const {
  NamedTensor t;
  t.name = e.name;
  t.shape = e.shape;
  const std::size_t n = static_cast<std::size_t>(t.elementCount());
  t.values.resize(n);
  const char* p = m_bytes.data() + m_dataStart + e.begin;
  if (e.dtype == "F32") {
    std::memcpy(t.values.data(), p, n * 4);
  } else if (e.dtype == "F64") {
    for (std::size_t i = 0; i < n; ++i)
      t.values[i] = static_cast<float>(loadLittleEndian<double>(p + 8 * i));
  } else if (e.dtype == "F16") {
    for (std::size_t i = 0; i < n; ++i)
      t.values[i] = halfToFloat(loadLittleEndian<std::uint16_t>(p + 2 * i));
  } else if (e.dtype == "BF16") {
    for (std::size_t i = 0; i < n; ++i)
      t.values[i] = std::bit_cast<float>(static_cast<std::uint32_t>(loadLittleEndian<std::uint16_t>(p + 2 * i)) << 16);
  } else {
    throw Error(ErrorKind::Model,
                "unsupported tensor type " + e.dtype + " for " + e.name + " (floating-point weights expected)");
  }
  return t;
}

std::vector<NamedTensor> SafetensorsFile::tensors() const {
  std::vector<NamedTensor> out;
  out.reserve(m_entries.size());
  for (const auto& e : m_entries)
    out.push_back(tensor(e));
  return out;
}

std::string encodeSafetensors(const std::vector<NamedTensor>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
      if (it != metadata.begin()) header += ',';
      appendJsonString(header, it->first);
      header += ':';
      appendJsonString(header, it->second);
    }
    header += '}';
    first = false;
  }
  std::size_t offset = 0;
  for (const auto& t : tensors) {
    if (static_cast<std::int64_t>(t.values.size()) != t.elementCount())
      throw Error(ErrorKind::Internal, "tensor " + t.name + " has a shape that does not match its values");
    if (!first) header += ',';
    first = false;
    appendJsonString(header, t.name);
    header += ":{\"dtype\":\"F32\",\"shape\":[";
    for (std::size_t i = 0; i < t.shape.size(); ++i) {
      if (i) header += ',';
      header += std::to_string(t.shape[i]);
    }
    const std::size_t bytes = t.values.size() * 4;
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += '}';
  while ((8 + header.size()) % 8 != 0)
    header += ' '; // the format pads the header to 8-byte alignment
  std::string out(8, '\0');
  const std::uint64_t length = header.size();
  std::memcpy(out.data(), &length, 8);
  out += header;
  out.reserve(out.size() + offset);
  for (const auto& t : tensors)
    out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
  return out;
}

void writeSafetensors(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  writeFileAtomically(path, encodeSafetensors(tensors, metadata));
}

} // namespace strega::model
