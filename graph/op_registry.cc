#include "graph/op_registry.h"

#include <cctype>
#include <charconv>

namespace tensorgraph {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitList(std::string_view s) {
  std::vector<std::string_view> parts;
  s = Trim(s);
  if (s.empty()) return parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ',') {
      parts.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return parts;
}

[[noreturn]] void BadSpec(std::string_view op, std::string_view spec, std::string_view why) {
  ThrowError(ErrorCode::kInternal, "op ", op, ": bad signature '", spec, "': ", why);
}

// Splits "name: rest" into its two halves.
std::pair<std::string_view, std::string_view> SplitNameType(std::string_view op,
                                                            std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) BadSpec(op, spec, "expected 'name: type'");
  return {Trim(spec.substr(0, colon)), Trim(spec.substr(colon + 1))};
}

int64_t ParseInt(std::string_view op, std::string_view spec, std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) BadSpec(op, spec, "expected an integer");
  return v;
}

std::string ParseQuoted(std::string_view op, std::string_view spec, std::string_view s) {
  if (s.size() < 2 || s.front() != '\'' || s.back() != '\'') {
    BadSpec(op, spec, "expected a 'quoted' string");
  }
  return std::string(s.substr(1, s.size() - 2));
}

DataType ParseType(std::string_view op, std::string_view spec, std::string_view s) {
  auto dtype = DataTypeFromName(s);
  if (!dtype) BadSpec(op, spec, "unknown dtype");
  return *dtype;
}

std::string_view StripBrackets(std::string_view op, std::string_view spec, std::string_view s) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') BadSpec(op, spec, "expected [..]");
  return s.substr(1, s.size() - 2);
}

AttrValue ParseDefault(std::string_view op, std::string_view spec, AttrType type,
                       std::string_view s) {
  switch (type) {
    case AttrType::kInt: return ParseInt(op, spec, s);
    case AttrType::kFloat: return std::stof(std::string(s));
    case AttrType::kBool:
      if (s == "true") return true;
      if (s == "false") return false;
      BadSpec(op, spec, "expected true or false");
    case AttrType::kString: return ParseQuoted(op, spec, s);
    case AttrType::kType: return ParseType(op, spec, s);
    case AttrType::kShape: {
      if (s == "<unknown>") return PartialShape::UnknownRank();
      std::vector<int64_t> dims;
      for (auto d : SplitList(StripBrackets(op, spec, s))) dims.push_back(ParseInt(op, spec, d));
      return PartialShape(std::move(dims));
    }
    case AttrType::kListInt: {
      std::vector<int64_t> v;
      for (auto d : SplitList(StripBrackets(op, spec, s))) v.push_back(ParseInt(op, spec, d));
      return v;
    }
    case AttrType::kListFloat: {
      std::vector<float> v;
      for (auto d : SplitList(StripBrackets(op, spec, s))) v.push_back(std::stof(std::string(d)));
      return v;
    }
    case AttrType::kListString: {
      std::vector<std::string> v;
      for (auto d : SplitList(StripBrackets(op, spec, s))) v.push_back(ParseQuoted(op, spec, d));
      return v;
    }
    case AttrType::kListType: {
      std::vector<DataType> v;
      for (auto d : SplitList(StripBrackets(op, spec, s))) v.push_back(ParseType(op, spec, d));
      return v;
    }
    case AttrType::kListShape:
      if (!SplitList(StripBrackets(op, spec, s)).empty()) BadSpec(op, spec, "only [] may default a list(shape)");
      return std::vector<PartialShape>{};
    case AttrType::kTensor: BadSpec(op, spec, "a tensor attr cannot have a default");
  }
  BadSpec(op, spec, "unsupported default");
}

std::optional<AttrType> AttrTypeFromName(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(AttrType::kListShape); ++i) {
    if (AttrTypeName(static_cast<AttrType>(i)) == s) return static_cast<AttrType>(i);
  }
  return std::nullopt;
}

ArgDef ParseArg(std::string_view op, std::string_view spec) {
  auto [name, type] = SplitNameType(op, spec);
  ArgDef arg;
  arg.name = std::string(name);
  if (const size_t star = type.find('*'); star != std::string_view::npos) {
    arg.number_attr = std::string(Trim(type.substr(0, star)));
    type = Trim(type.substr(star + 1));
  }
  if (auto dtype = DataTypeFromName(type)) {
    arg.fixed_type = *dtype;
  } else {
    arg.type_attr = std::string(type);
  }
  return arg;
}

AttrDef ParseAttr(std::string_view op, std::string_view spec) {
  auto [name, rest] = SplitNameType(op, spec);
  AttrDef attr;
  attr.name = std::string(name);
  std::string_view default_text;
  if (const size_t eq = rest.rfind('='); eq != std::string_view::npos &&
                                        (eq == 0 || rest[eq - 1] != '>')) {
    default_text = Trim(rest.substr(eq + 1));
    rest = Trim(rest.substr(0, eq));
  }
  if (!rest.empty() && rest.front() == '{') {
    if (rest.back() != '}') BadSpec(op, spec, "unclosed {");
    auto values = SplitList(rest.substr(1, rest.size() - 2));
    if (values.empty()) BadSpec(op, spec, "empty set of allowed values");
    if (values.front().front() == '\'') {
      attr.type = AttrType::kString;
      for (auto v : values) attr.allowed_strings.push_back(ParseQuoted(op, spec, v));
    } else {
      attr.type = AttrType::kType;
      for (auto v : values) attr.allowed_types.push_back(ParseType(op, spec, v));
    }
  } else if (const size_t ge = rest.find(">="); ge != std::string_view::npos) {
    if (Trim(rest.substr(0, ge)) != "int") BadSpec(op, spec, "only an int may have a minimum");
    attr.type = AttrType::kInt;
    attr.minimum = ParseInt(op, spec, Trim(rest.substr(ge + 2)));
  } else {
    auto type = AttrTypeFromName(rest);
    if (!type) BadSpec(op, spec, "unknown attr type");
    attr.type = *type;
  }
  if (!default_text.empty()) attr.default_value = ParseDefault(op, spec, attr.type, default_text);
  return attr;
}

}  // namespace

const AttrDef* OpDef::FindAttr(std::string_view attr_name) const {
  for (const auto& a : attrs) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry registry;
  return registry;
}

void OpRegistry::Register(OpDef def) {
  auto check_arg = [&](const ArgDef& arg) {
    if (!arg.type_attr.empty()) {
      const AttrDef* a = def.FindAttr(arg.type_attr);
      if (a == nullptr || a->type != AttrType::kType) {
        ThrowError(ErrorCode::kInternal, "op ", def.name, ": arg '", arg.name,
                   "' names type attr '", arg.type_attr, "', which is not a type attr");
      }
    }
    if (!arg.number_attr.empty()) {
      const AttrDef* a = def.FindAttr(arg.number_attr);
      if (a == nullptr || a->type != AttrType::kInt) {
        ThrowError(ErrorCode::kInternal, "op ", def.name, ": arg '", arg.name,
                   "' names length attr '", arg.number_attr, "', which is not an int attr");
      }
    }
  };
  for (const auto& a : def.inputs) check_arg(a);
  for (const auto& a : def.outputs) check_arg(a);
  if (!def.outputs.empty() && !def.shape_fn) {
    ThrowError(ErrorCode::kInternal, "op ", def.name, " has outputs but no shape function");
  }
  if (ops_.count(def.name)) ThrowError(ErrorCode::kInternal, "op ", def.name, " registered twice");
  std::string name = def.name;
  ops_.emplace(std::move(name), std::make_unique<OpDef>(std::move(def)));
}

const OpDef* OpRegistry::Find(std::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

const OpDef& OpRegistry::Get(std::string_view name) const {
  const OpDef* def = Find(name);
  if (def == nullptr) ThrowError(ErrorCode::kNotFound, "unknown op '", name, "'");
  return *def;
}

std::vector<const OpDef*> OpRegistry::List() const {
  std::vector<const OpDef*> defs;
  for (const auto& [name, def] : ops_) defs.push_back(def.get());
  return defs;
}

OpDefBuilder::OpDefBuilder(std::string name) { def_.name = std::move(name); }

OpDefBuilder& OpDefBuilder::Input(std::string_view spec) {
  def_.inputs.push_back(ParseArg(def_.name, spec));
  return *this;
}

OpDefBuilder& OpDefBuilder::Output(std::string_view spec) {
  def_.outputs.push_back(ParseArg(def_.name, spec));
  return *this;
}

OpDefBuilder& OpDefBuilder::Attr(std::string_view spec) {
  def_.attrs.push_back(ParseAttr(def_.name, spec));
  return *this;
}

OpDefBuilder& OpDefBuilder::SetShapeFn(ShapeFn fn) {
  def_.shape_fn = std::move(fn);
  return *this;
}

OpDefBuilder& OpDefBuilder::Doc(std::string doc) {
  def_.doc = std::move(doc);
  return *this;
}

OpDefBuilder& OpDefBuilder::SetIsStateful() {
  def_.stateful = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::KernelTypeAttr(std::string attr_name) {
  def_.kernel_type_attr = std::move(attr_name);
  kernel_type_attr_set_ = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::SetGradient(GradientFn fn) {
  def_.gradient = std::move(fn);
  return *this;
}

OpDefBuilder& OpDefBuilder::NotDifferentiable() {
  def_.not_differentiable = true;
  return *this;
}

OpDef OpDefBuilder::Build() && {
  if (!kernel_type_attr_set_) {
    // Kernels are chosen by T when the op has it, else by dtype.
    for (const char* candidate : {"T", "dtype"}) {
      const AttrDef* a = def_.FindAttr(candidate);
      if (a != nullptr && a->type == AttrType::kType) {
        def_.kernel_type_attr = candidate;
        break;
      }
    }
  }
  return std::move(def_);
}

OpRegistration::OpRegistration(OpDefBuilder& builder) {
  OpRegistry::Global().Register(std::move(builder).Build());
}

InferenceContext::InferenceContext(const OpDef& op, std::string_view node_name,
                                   const AttrMap& attrs, std::vector<Input> inputs,
                                   int num_outputs)
    : op_(op),
      node_name_(node_name),
      attrs_(attrs),
      inputs_(std::move(inputs)),
      outputs_(static_cast<size_t>(num_outputs), PartialShape::UnknownRank()),
      handles_(static_cast<size_t>(num_outputs)) {}

std::optional<std::vector<int64_t>> InferenceContext::input_value_as_ints(int i) const {
  const Tensor* t = input_value(i);
  if (t == nullptr) return std::nullopt;
  if (t->dtype() == DT_INT32) {
    auto s = t->flat<int32_t>();
    return std::vector<int64_t>(s.begin(), s.end());
  }
  if (t->dtype() == DT_INT64) return t->ToVector<int64_t>();
  return std::nullopt;
}

namespace shape_fns {

void Unchanged(InferenceContext& c) {
  c.set_output(0, c.input_shape(0));
  if (const HandleData* handle = c.input_handle_data(0)) c.set_output_handle_data(0, *handle);
}

void Scalar(InferenceContext& c) {
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, PartialShape(Shape{}));
}

void BroadcastBinary(InferenceContext& c) {
  auto out = BroadcastShapes(c.input_shape(0), c.input_shape(1));
  if (!out) {
    c.Fail("shapes ", c.input_shape(0).ToString(), " and ", c.input_shape(1).ToString(),
           " cannot be broadcast together");
  }
  c.set_output(0, *out);
}

void NoOutputs(InferenceContext&) {}

}  // namespace shape_fns
}  // namespace tensorgraph
