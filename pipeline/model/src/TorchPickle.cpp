#include "TorchPickle.h"

#include "strega/core/Error.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <memory>

namespace strega::model::detail {
namespace {

[[noreturn]] void malformed(const std::string& detail) {
  throw Error(ErrorKind::Model, "the model file is malformed or uses an unsupported pickle feature", detail);
}

struct Value;
using Ptr = std::shared_ptr<Value>;

/// A decoded pickle value. Lists, dicts and objects are shared (the memo may refer to them while they are filled,
/// so a malformed pickle can make one contain itself: every walk below limits its depth).
struct Value {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor, Object, Mark } kind;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text; // string, global "module.name", storage key, object class

  std::string dtype; // storage / tensor element type
  std::vector<Ptr> items;
  std::vector<std::pair<Ptr, Ptr>> entries; // dict items, object attributes
  Ptr storage;                              // tensor
  std::int64_t offset = 0;
  std::vector<std::int64_t> sizes, strides;
};

std::string storageDtype(const std::string& global) {
  static const std::map<std::string, std::string> types = {
    {"torch.FloatStorage", "F32"},     {"torch.DoubleStorage", "F64"}, {"torch.HalfStorage", "F16"},
    {"torch.BFloat16Storage", "BF16"}, {"torch.LongStorage", "I64"},   {"torch.IntStorage", "I32"},
    {"torch.ShortStorage", "I16"},     {"torch.CharStorage", "I8"},    {"torch.ByteStorage", "U8"},
    {"torch.BoolStorage", "BOOL"}};
  auto it = types.find(global);
  return it == types.end() ? std::string() : it->second;
}

std::size_t elementSize(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
  return 1;
}

float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    exponent = 127 - 15 + 1;
    while ((mantissa & 0x400u) == 0)
      mantissa <<= 1, --exponent;
    return std::bit_cast<float>(sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13));
  }
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

/// Builds the values of one pickle. It owns every value it made: its destructor unlinks them, so that values
/// that refer to each other (possible in a malformed pickle) are freed too, without deep recursion.
class Unpickler {
public:
  explicit Unpickler(const std::string& data) : m_data(data) {}
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;
  ~Unpickler() {
    for (const auto& v : m_made) {
      v->items.clear();
      v->entries.clear();
      v->storage.reset();
    }
  }

  Ptr run() {
    for (;;) {
      const auto op = static_cast<unsigned char>(byte());
      switch (op) {
      case 0x80: byte(); break;   // PROTO
      case 0x95: bytes(8); break; // FRAME
      case '}': push(make(Value::Kind::Dict)); break;
      case ']': push(make(Value::Kind::List)); break;
      case ')': push(make(Value::Kind::Tuple)); break;
      case '(': m_marks.push_back(m_stack.size()); break;
      case 't': push(sequence(Value::Kind::Tuple, popMark())); break;
      case 'l': push(sequence(Value::Kind::List, popMark())); break;
      case 0x85:
      case 0x86:
      case 0x87: {
        const std::size_t n = op - 0x84;
        if (m_stack.size() < n) malformed("stack underflow at TUPLEn");
        std::vector<Ptr> items(m_stack.end() - static_cast<std::ptrdiff_t>(n), m_stack.end());
        m_stack.resize(m_stack.size() - n);
        push(sequence(Value::Kind::Tuple, std::move(items)));
        break;
      }
      case 'd': {
        auto d = make(Value::Kind::Dict);
        addPairs(*d, popMark());
        push(d);
        break;
      }
      case 'a': {
        auto v = pop();
        top(Value::Kind::List).items.push_back(v);
        break;
      }
      case 'e': {
        auto items = popMark();
        auto& list = top(Value::Kind::List);
        list.items.insert(list.items.end(), items.begin(), items.end());
        break;
      }
      case 's': {
        auto v = pop();
        auto k = pop();
        top(Value::Kind::Dict).entries.emplace_back(k, v);
        break;
      }
      case 'u': {
        auto items = popMark();
        addPairs(top(Value::Kind::Dict), std::move(items));
        break;
      }
      case 'q': memoize(static_cast<unsigned char>(byte())); break;
      case 'r': memoize(uint32()); break;
      case 0x94: memoize(m_memo.size()); break;
      case 'h': push(memo(static_cast<unsigned char>(byte()))); break;
      case 'j': push(memo(uint32())); break;
      case 'X': push(string(uint32())); break;
      case 0x8c: push(string(static_cast<unsigned char>(byte()))); break;
      case 0x8d: push(string(uint64())); break;
      case 'U':
      case 'C': push(string(static_cast<unsigned char>(byte()))); break;
      case 'T':
      case 'B': push(string(uint32())); break;
      case 0x8e: push(string(uint64())); break;
      case 'K': push(integer(static_cast<unsigned char>(byte()))); break;
      case 'M': push(integer(uint16())); break;
      case 'J': push(integer(static_cast<std::int32_t>(uint32()))); break;
      case 0x8a: push(integer(longValue(static_cast<unsigned char>(byte())))); break;
      case 0x8b: push(integer(longValue(uint32()))); break;
      case 'G': {
        std::uint64_t bits = 0;
        for (char c : bytes(8))
          bits = (bits << 8) | static_cast<unsigned char>(c); // big-endian
        auto v = make(Value::Kind::Float);
        v->real = std::bit_cast<double>(bits);
        push(v);
        break;
      }
      case 0x88:
      case 0x89: {
        auto v = make(Value::Kind::Bool);
        v->integer = op == 0x88;
        push(v);
        break;
      }
      case 'N': push(make(Value::Kind::None)); break;
      case 'c': {
        auto v = make(Value::Kind::Global);
        v->text = line();
        v->text += '.';
        v->text += line();
        push(v);
        break;
      }
      case 0x93: {
        auto name = pop(), module = pop();
        auto v = make(Value::Kind::Global);
        v->text = module->text;
        v->text += '.';
        v->text += name->text;
        push(v);
        break;
      }
      case 'Q': push(persistentLoad(pop())); break;
      case 'R': {
        auto args = pop(), callable = pop();
        push(reduce(*callable, *args));
        break;
      }
      case 0x81: { // NEWOBJ: TorchScript pickles its module objects as cls.__new__(cls) + BUILD(dict)
        pop();
        auto cls = pop();
        auto v = make(Value::Kind::Object);
        if (cls->kind == Value::Kind::Global) v->text = cls->text;
        push(v);
        break;
      }
      case 0x92:
        pop();
        pop();
        pop();
        push(make(Value::Kind::Object));
        break;    // NEWOBJ_EX
      case 'b': { // BUILD: a dict state becomes an object's attributes; other states are not needed
        auto state = pop();
        const Ptr& target = topValue();
        if (target->kind == Value::Kind::Object && state->kind == Value::Kind::Dict) target->entries = state->entries;
        break;
      }
      case '0': pop(); break;
      case '1': popMark(); break;
      case '2': push(topValue()); break;
      case '.': return pop();
      default: malformed("unsupported pickle opcode 0x" + hex(op) + " at offset " + std::to_string(m_pos - 1));
      }
    }
  }

private:
  static std::string hex(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", v);
    return buf;
  }
  char byte() {
    if (m_pos >= m_data.size()) malformed("pickle ends early");
    return m_data[m_pos++];
  }
  std::string bytes(std::uint64_t n) {
    if (n > m_data.size() - m_pos) malformed("pickle ends early");
    std::string s = m_data.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  std::uint64_t littleEndian(int n) {
    std::uint64_t v = 0;
    const std::string b = bytes(static_cast<std::uint64_t>(n));
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  std::uint32_t uint32() { return static_cast<std::uint32_t>(littleEndian(4)); }
  std::uint16_t uint16() { return static_cast<std::uint16_t>(littleEndian(2)); }
  std::uint64_t uint64() { return littleEndian(8); }
  std::int64_t longValue(std::uint64_t n) {
    if (n > 8) malformed("integer wider than 64 bits");
    if (n == 0) return 0;
    std::uint64_t v = littleEndian(static_cast<int>(n));
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n); // sign-extend
    return static_cast<std::int64_t>(v);
  }
  std::string line() {
    const auto end = m_data.find('\n', m_pos);
    if (end == std::string::npos) malformed("unterminated GLOBAL");
    std::string s = m_data.substr(m_pos, end - m_pos);
    m_pos = end + 1;
    return s;
  }
  Ptr make(Value::Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    m_made.push_back(v);
    return v;
  }
  Ptr string(std::uint64_t n) {
    auto v = make(Value::Kind::String);
    v->text = bytes(n);
    return v;
  }
  Ptr integer(std::int64_t i) {
    auto v = make(Value::Kind::Int);
    v->integer = i;
    return v;
  }
  void push(Ptr v) { m_stack.push_back(std::move(v)); }
  Ptr pop() {
    if (m_stack.empty() || (!m_marks.empty() && m_stack.size() <= m_marks.back())) malformed("stack underflow");
    auto v = m_stack.back();
    m_stack.pop_back();
    return v;
  }
  const Ptr& topValue() {
    if (m_stack.empty()) malformed("stack underflow");
    return m_stack.back();
  }
  Value& top(Value::Kind kind) {
    const auto& v = topValue();
    if (v->kind != kind) malformed("container opcode applied to the wrong type");
    return *v;
  }
  std::vector<Ptr> popMark() {
    if (m_marks.empty()) malformed("MARK missing");
    const std::size_t at = m_marks.back();
    m_marks.pop_back();
    if (at > m_stack.size()) malformed("MARK beyond the stack");
    std::vector<Ptr> items(m_stack.begin() + static_cast<std::ptrdiff_t>(at), m_stack.end());
    m_stack.resize(at);
    return items;
  }
  Ptr sequence(Value::Kind kind, std::vector<Ptr> items) {
    auto v = make(kind);
    v->items = std::move(items);
    return v;
  }
  static void addPairs(Value& dict, std::vector<Ptr> items) {
    if (items.size() % 2) malformed("odd number of dict items");
    for (std::size_t i = 0; i < items.size(); i += 2)
      dict.entries.emplace_back(items[i], items[i + 1]);
  }
  void memoize(std::size_t index) {
    if (index > 10'000'000) malformed("memo index too large");
    if (m_memo.size() <= index) m_memo.resize(index + 1);
    m_memo[index] = topValue();
  }
  Ptr memo(std::size_t index) {
    if (index >= m_memo.size() || !m_memo[index]) malformed("memo entry missing");
    return m_memo[index];
  }
  Ptr persistentLoad(const Ptr& pid) {
    // ('storage', <storage type>, key, location, numel)
    if (pid->kind != Value::Kind::Tuple || pid->items.size() < 3 || pid->items[0]->text != "storage")
      malformed("unsupported persistent id");
    auto v = make(Value::Kind::Storage);
    v->dtype = storageDtype(pid->items[1]->text);
    v->text = pid->items[2]->text;
    if (v->dtype.empty()) v->dtype = "?" + pid->items[1]->text;
    return v;
  }
  static std::vector<std::int64_t> ints(const Value& tuple) {
    std::vector<std::int64_t> out;
    for (const auto& i : tuple.items) {
      if (i->kind != Value::Kind::Int) malformed("tensor size/stride is not an integer");
      out.push_back(i->integer);
    }
    return out;
  }
  Ptr reduce(const Value& callable, const Value& args) {
    const std::string& f = callable.text;
    if (callable.kind == Value::Kind::Global &&
        (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor")) {
      if (args.items.size() < 4 || args.items[0]->kind != Value::Kind::Storage) malformed("bad tensor record");
      auto t = make(Value::Kind::Tensor);
      t->storage = args.items[0];
      t->dtype = args.items[0]->dtype;
      t->offset = args.items[1]->integer;
      t->sizes = ints(*args.items[2]);
      t->strides = ints(*args.items[3]);
      if (t->sizes.size() != t->strides.size()) malformed("tensor size and stride differ in rank");
      return t;
    }
    if (callable.kind == Value::Kind::Global &&
        (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state")) {
      if (args.items.empty()) malformed("bad parameter record");
      return args.items[0];
    }
    if (callable.kind == Value::Kind::Global && f == "collections.OrderedDict") {
      auto d = make(Value::Kind::Dict);
      if (!args.items.empty() && args.items[0]->kind == Value::Kind::List)
        for (const auto& pair : args.items[0]->items)
          if (pair->items.size() == 2) d->entries.emplace_back(pair->items[0], pair->items[1]);
      return d;
    }
    return make(Value::Kind::Object);
  }

  const std::string& m_data;
  std::size_t m_pos = 0;
  std::vector<Ptr> m_stack;
  std::vector<std::size_t> m_marks;
  std::vector<Ptr> m_memo;
  std::vector<Ptr> m_made;
};

bool isFloating(const std::string& dtype) {
  return dtype == "F32" || dtype == "F64" || dtype == "F16" || dtype == "BF16";
}

NamedTensor toFloat(const std::string& name, const Value& t, const StorageReader& storage,
                    std::map<std::string, std::string>& cache) {
  if (!isFloating(t.dtype))
    throw Error(ErrorKind::Model, "parameter " + name + " has non-floating-point type " + t.dtype);
  auto it = cache.find(t.storage->text);
  if (it == cache.end()) it = cache.emplace(t.storage->text, storage(t.storage->text)).first;
  const std::string& bytes = it->second;
  const std::size_t es = elementSize(t.dtype);
  const std::int64_t available = static_cast<std::int64_t>(bytes.size() / es);
  NamedTensor out;
  out.name = name;
  out.shape = t.sizes;
  const std::int64_t n = out.elementCount();
  out.values.resize(static_cast<std::size_t>(n));
  // Highest element index touched must lie inside the storage.
  std::int64_t last = t.offset;
  for (std::size_t d = 0; d < t.sizes.size(); ++d)
    if (t.sizes[d] > 0) last += (t.sizes[d] - 1) * t.strides[d];
  if (n > 0 && (t.offset < 0 || last >= available))
    throw Error(ErrorKind::Model, "parameter " + name + " lies outside its storage (truncated file?)");
  std::vector<std::int64_t> index(t.sizes.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t e = t.offset;
    for (std::size_t d = 0; d < index.size(); ++d)
      e += index[d] * t.strides[d];
    const char* p = bytes.data() + static_cast<std::size_t>(e) * es;
    float v = 0.0f;
    if (t.dtype == "F32") {
      std::memcpy(&v, p, 4);
    } else if (t.dtype == "F64") {
      double dv;
      std::memcpy(&dv, p, 8);
      v = static_cast<float>(dv);
    } else {
      std::uint16_t h;
      std::memcpy(&h, p, 2);
      v = t.dtype == "F16" ? halfToFloat(h) : std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
    }
    out.values[static_cast<std::size_t>(i)] = v;
    for (std::size_t d = index.size(); d-- > 0;) { // row-major increment
      if (++index[d] < t.sizes[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

const Value* findStateDict(const Value& root, int depth = 0) {
  if (root.kind != Value::Kind::Dict || depth > 3) return nullptr;
  for (const char* key : {"state_dict", "model_state_dict", "model"})
    for (const auto& [k, v] : root.entries)
      if (k->kind == Value::Kind::String && k->text == key && v->kind == Value::Kind::Dict)
        if (const Value* inner = findStateDict(*v, depth + 1)) return inner;
  for (const auto& [k, v] : root.entries)
    if (v->kind == Value::Kind::Tensor) return &root;
  return nullptr;
}

} // namespace

struct ModelPickle::Parsed {
  // The unpickler refers to `pickle` only while run() reads it; it is kept for the values it owns.
  explicit Parsed(const std::string& pickle) : unpickler(pickle), root(unpickler.run()) {}
  Unpickler unpickler;
  Ptr root;

  const Value* attribute(const Value& object, const std::string& name) const {
    if (object.kind != Value::Kind::Object) return nullptr;
    for (const auto& [k, v] : object.entries)
      if (k->kind == Value::Kind::String && k->text == name) return v.get();
    return nullptr;
  }
};

ModelPickle::ModelPickle(const std::string& pickle) : m_parsed(std::make_shared<Parsed>(pickle)) {}

bool ModelPickle::isModule() const { return m_parsed->root->kind == Value::Kind::Object; }

std::optional<std::string> ModelPickle::stringAttribute(const std::string& name) const {
  const Value* v = m_parsed->attribute(*m_parsed->root, name);
  if (!v || v->kind != Value::Kind::String) return std::nullopt;
  return v->text;
}

std::optional<std::int64_t> ModelPickle::intAttribute(const std::string& name) const {
  const Value* v = m_parsed->attribute(*m_parsed->root, name);
  if (!v || v->kind != Value::Kind::Int) return std::nullopt;
  return v->integer;
}

bool ModelPickle::hasSubmodule(const std::string& name) const {
  const Value* v = m_parsed->attribute(*m_parsed->root, name);
  return v && v->kind == Value::Kind::Object;
}

std::vector<NamedTensor> ModelPickle::stateDict(const StorageReader& storage) const {
  const Value* dict = findStateDict(*m_parsed->root);
  if (!dict) throw Error(ErrorKind::Model, "the torch.save file holds no state_dict (no dictionary of tensors)");
  std::vector<NamedTensor> out;
  std::map<std::string, std::string> cache;
  for (const auto& [k, v] : dict->entries)
    if (k->kind == Value::Kind::String && v->kind == Value::Kind::Tensor)
      out.push_back(toFloat(k->text, *v, storage, cache));
  return out;
}

std::vector<NamedTensor> ModelPickle::floatingTensors(const std::string& submodule,
                                                      const StorageReader& storage) const {
  const Value* start = m_parsed->root.get();
  if (!submodule.empty()) {
    start = m_parsed->attribute(*start, submodule);
    if (!start || start->kind != Value::Kind::Object) return {};
  }
  // Real modules nest a few levels (model.enc.middle_blocks.1.conv.weight); a deeper tree is malformed (or refers
  // to itself).
  constexpr int kMaxDepth = 32;
  std::vector<std::pair<std::string, const Value*>> found;
  std::function<void(const Value&, const std::string&, int)> walk = [&](const Value& object, const std::string& prefix,
                                                                        int depth) {
    if (depth > kMaxDepth) malformed("modules nested deeper than " + std::to_string(kMaxDepth) + " levels");
    for (const auto& [k, v] : object.entries) {
      if (k->kind != Value::Kind::String) continue;
      if (v->kind == Value::Kind::Tensor && isFloating(v->dtype))
        found.emplace_back(prefix + k->text, v.get());
      else if (v->kind == Value::Kind::Object)
        walk(*v, prefix + k->text + ".", depth + 1);
    }
  };
  walk(*start, "", 0);
  std::vector<NamedTensor> out;
  std::map<std::string, std::string> cache;
  for (const auto& [name, t] : found)
    out.push_back(toFloat(name, *t, storage, cache));
  return out;
}

void checkPickleLengths(const std::string& pickle, const std::string& name) {
  std::size_t pos = 0;
  const std::size_t size = pickle.size();
  auto unsignedArg = [&](std::size_t bytes) -> std::uint64_t {
    if (size - pos < bytes)
      throw Error(ErrorKind::Model, "the model file is truncated or corrupt", name + ": ends inside an opcode");
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < bytes; ++b)
      v |= std::uint64_t(static_cast<unsigned char>(pickle[pos + b])) << (8 * b);
    pos += bytes;
    return v;
  };
  auto skip = [&](std::uint64_t bytes) {
    if (bytes > size - pos)
      throw Error(ErrorKind::Model, "the model file is corrupt",
                  name + ": an argument of " + std::to_string(bytes) + " bytes at offset " + std::to_string(pos) +
                    ", but " + std::to_string(size - pos) + " bytes are left");
    pos += static_cast<std::size_t>(bytes);
  };
  auto skipLine = [&] {
    const std::size_t end = pickle.find('\n', pos);
    if (end == std::string::npos)
      throw Error(ErrorKind::Model, "the model file is truncated or corrupt", name + ": a text argument without end");
    pos = end + 1;
  };
  // Picklers number memo entries 0, 1, 2, ... in order; LibTorch grows its memo table to whatever index a PUT
  // names (4 bytes: up to 64 GiB of table).
  std::uint64_t memoEntries = 0;
  auto put = [&](std::uint64_t index) {
    if (index > memoEntries)
      throw Error(ErrorKind::Model, "the model file is corrupt",
                  name + ": memo index " + std::to_string(index) + " after " + std::to_string(memoEntries) +
                    " entries");
    memoEntries = std::max(memoEntries, index + 1);
  };
  while (pos < size) {
    const unsigned char op = static_cast<unsigned char>(pickle[pos++]);
    switch (op) {
    case '.': return;                     // STOP
    case 'q': put(unsignedArg(1)); break; // BINPUT
    case 'r': put(unsignedArg(4)); break; // LONG_BINPUT
    case 0x94:
      ++memoEntries;
      break; // MEMOIZE
    // length-prefixed strings and bytes: 1-, 4- or 8-byte little-endian length
    case 0x8c:
    case 'U':
    case 'C':
    case 0x8a: skip(unsignedArg(1)); break;
    case 'X':
    case 'T':
    case 'B':
    case 0x8b: skip(unsignedArg(4)); break;
    case 0x8d:
    case 0x8e:
    case 0x96: skip(unsignedArg(8)); break;
    // fixed-size arguments
    case 0x80:
    case 'h':
    case 'K':
    case 0x82: skip(1); break;
    case 'M':
    case 0x83: skip(2); break;
    case 'j':
    case 'J':
    case 0x84: skip(4); break;
    case 0x95:
    case 'G': skip(8); break;
    // newline-terminated arguments (one line, two for GLOBAL and INST)
    case 'I':
    case 'L':
    case 'F':
    case 'S':
    case 'V':
    case 'P':
    case 'g':
    case 'p': skipLine(); break;
    case 'c':
    case 'i':
      skipLine();
      skipLine();
      break;
    // no argument
    case '(':
    case ')':
    case ']':
    case '}':
    case 'N':
    case 0x88:
    case 0x89:
    case 't':
    case 'l':
    case 'd':
    case 'a':
    case 'e':
    case 's':
    case 'u':
    case 0x85:
    case 0x86:
    case 0x87:
    case 'R':
    case 0x81:
    case 0x92:
    case 'b':
    case '0':
    case '1':
    case '2':
    case 'Q':
    case 0x93:
    case 'o':
    case 0x90:
    case 0x91:
    case 0x97:
    case 0x98: break;
    default: return; // not a pickle opcode: LibTorch refuses it itself
    }
  }
}

} // namespace strega::model::detail
