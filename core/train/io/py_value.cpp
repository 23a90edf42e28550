#include "train/io/py_value.h"

#include <sstream>
#include <stdexcept>

#include <ATen/ATen.h>

namespace studio::train {

namespace {

const char* kindName(PyValue::Kind k) {
    switch (k) {
        case PyValue::Kind::None: return "None";
        case PyValue::Kind::Bool: return "bool";
        case PyValue::Kind::Int: return "int";
        case PyValue::Kind::Float: return "float";
        case PyValue::Kind::String: return "str";
        case PyValue::Kind::Bytes: return "bytes";
        case PyValue::Kind::Tensor: return "tensor";
        case PyValue::Kind::List: return "list";
        case PyValue::Kind::Tuple: return "tuple";
        case PyValue::Kind::Dict: return "dict";
        case PyValue::Kind::Object: return "object";
        case PyValue::Kind::Global: return "global";
    }
    return "?";
}

[[noreturn]] void wrongKind(const char* expected, const PyValue& v) {
    throw std::runtime_error(std::string("expected ") + expected + ", found " + v.typeName());
}

std::string shapeText(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

}  // namespace

PyValue::PyValue(bool v) : m_kind(Kind::Bool), m_bool(v) {}
PyValue::PyValue(int v) : m_kind(Kind::Int), m_int(v) {}
PyValue::PyValue(std::int64_t v) : m_kind(Kind::Int), m_int(v) {}
PyValue::PyValue(double v) : m_kind(Kind::Float), m_float(v) {}
PyValue::PyValue(const char* v) : m_kind(Kind::String), m_text(v) {}
PyValue::PyValue(std::string v) : m_kind(Kind::String), m_text(std::move(v)) {}
PyValue::PyValue(at::Tensor v) : m_kind(Kind::Tensor), m_tensor(std::move(v)) {}

PyValue PyValue::bytes(std::string data) {
    PyValue v(std::move(data));
    v.m_kind = Kind::Bytes;
    return v;
}

PyValue PyValue::list(PyList items) {
    PyValue v;
    v.m_kind = Kind::List;
    v.m_list = std::make_shared<PyList>(std::move(items));
    return v;
}

PyValue PyValue::tuple(PyList items) {
    PyValue v = list(std::move(items));
    v.m_kind = Kind::Tuple;
    return v;
}

PyValue PyValue::dict(bool ordered) {
    PyValue v;
    v.m_kind = Kind::Dict;
    v.m_dict = std::make_shared<PyDict>();
    v.m_dict->ordered = ordered;
    return v;
}

PyValue PyValue::object(std::string className, PyList args, bool newObj) {
    PyValue v;
    v.m_kind = Kind::Object;
    v.m_object = std::make_shared<PyObject>();
    v.m_object->className = std::move(className);
    v.m_object->args = std::move(args);
    v.m_object->newObj = newObj;
    return v;
}

PyValue PyValue::global(std::string qualifiedName) {
    PyValue v(std::move(qualifiedName));
    v.m_kind = Kind::Global;
    return v;
}

bool PyValue::isMapping() const {
    return isDict() || (isObject() && (m_object->state.isDict() || m_object->state.isNone()));
}

bool PyValue::asBool() const {
    if (m_kind == Kind::Bool) return m_bool;
    wrongKind("bool", *this);
}

std::int64_t PyValue::asInt() const {
    if (m_kind == Kind::Int) return m_int;
    if (m_kind == Kind::Bool) return m_bool ? 1 : 0;
    wrongKind("int", *this);
}

double PyValue::asFloat() const {
    if (m_kind == Kind::Float) return m_float;
    if (m_kind == Kind::Int) return static_cast<double>(m_int);
    if (m_kind == Kind::Bool) return m_bool ? 1.0 : 0.0;
    wrongKind("float", *this);
}

const std::string& PyValue::asString() const {
    if (m_kind == Kind::String || m_kind == Kind::Bytes || m_kind == Kind::Global) return m_text;
    wrongKind("str", *this);
}

const at::Tensor& PyValue::asTensor() const {
    if (m_kind == Kind::Tensor) return m_tensor;
    wrongKind("tensor", *this);
}

PyList& PyValue::items() {
    if (isSequence()) return *m_list;
    wrongKind("list", *this);
}

const PyList& PyValue::items() const {
    if (isSequence()) return *m_list;
    wrongKind("list", *this);
}

PyDict& PyValue::dictRef() {
    if (isDict()) return *m_dict;
    wrongKind("dict", *this);
}

const PyDict& PyValue::dictRef() const {
    if (isDict()) return *m_dict;
    wrongKind("dict", *this);
}

PyObject& PyValue::objectRef() {
    if (isObject()) return *m_object;
    wrongKind("object", *this);
}

const PyObject& PyValue::objectRef() const {
    if (isObject()) return *m_object;
    wrongKind("object", *this);
}

const PyValue* PyValue::find(std::string_view key) const {
    return const_cast<PyValue*>(this)->find(key);
}

PyValue* PyValue::find(std::string_view key) {
    if (isDict()) return m_dict->find(PyValue(std::string(key)));
    if (isObject() && m_object->state.isDict()) return m_object->state.find(key);
    return nullptr;
}

const PyValue& PyValue::at(std::string_view key) const {
    if (const PyValue* v = find(key)) return *v;
    if (!isMapping()) wrongKind("dict", *this);
    throw std::runtime_error("no key '" + std::string(key) + "' in " + typeName());
}

void PyValue::set(std::string_view key, PyValue value) {
    if (isDict()) {
        m_dict->set(PyValue(std::string(key)), std::move(value));
        return;
    }
    if (isObject()) {
        if (m_object->state.isNone()) m_object->state = dict();
        if (m_object->state.isDict()) {
            m_object->state.set(key, std::move(value));
            return;
        }
    }
    wrongKind("dict or object", *this);
}

void PyValue::append(PyValue value) { items().push_back(std::move(value)); }

std::size_t PyValue::size() const {
    if (isSequence()) return m_list->size();
    if (isDict()) return m_dict->entries.size();
    return 0;
}

std::string PyValue::typeName() const {
    if (isDict() && m_dict->ordered) return "collections.OrderedDict";
    if (isObject()) return m_object->className;
    return kindName(m_kind);
}

std::string PyValue::repr(int maxItems) const {
    std::ostringstream os;
    switch (m_kind) {
        case Kind::None: return "None";
        case Kind::Bool: return m_bool ? "True" : "False";
        case Kind::Int: return std::to_string(m_int);
        case Kind::Float: os << m_float; return os.str();
        case Kind::String: return "'" + m_text + "'";
        case Kind::Bytes: return "b<" + std::to_string(m_text.size()) + " bytes>";
        case Kind::Global: return "<" + m_text + ">";
        case Kind::Tensor:
            return std::string("tensor ") + std::string(c10::toString(m_tensor.scalar_type())) + " " +
                   shapeText(m_tensor);
        case Kind::List:
        case Kind::Tuple: {
            os << (isList() ? "[" : "(");
            int n = 0;
            for (const auto& v : *m_list) {
                if (n) os << ", ";
                if (n++ == maxItems) { os << "... " << m_list->size() << " items"; break; }
                os << v.repr(maxItems);
            }
            os << (isList() ? "]" : ")");
            return os.str();
        }
        case Kind::Dict: {
            os << "{";
            int n = 0;
            for (const auto& [k, v] : m_dict->entries) {
                if (n) os << ", ";
                if (n++ == maxItems) { os << "... " << m_dict->entries.size() << " entries"; break; }
                os << k.repr(maxItems) << ": " << v.repr(maxItems);
            }
            os << "}";
            return os.str();
        }
        case Kind::Object:
            return m_object->className + "(" + (m_object->state.isNone() ? "" : m_object->state.repr(maxItems)) + ")";
    }
    return "?";
}

PyValue PyValue::clone() const {
    PyValue out = *this;
    if (m_list) {
        out.m_list = std::make_shared<PyList>();
        for (const auto& v : *m_list) out.m_list->push_back(v.clone());
    }
    if (m_dict) {
        out.m_dict = std::make_shared<PyDict>();
        out.m_dict->ordered = m_dict->ordered;
        out.m_dict->state = m_dict->state.clone();
        for (const auto& [k, v] : m_dict->entries) out.m_dict->entries.emplace_back(k.clone(), v.clone());
    }
    if (m_object) {
        out.m_object = std::make_shared<PyObject>(*m_object);
        for (auto& a : out.m_object->args) a = a.clone();
        out.m_object->state = m_object->state.clone();
    }
    return out;
}

bool PyValue::equals(const PyValue& other) const {
    if (m_kind != other.m_kind) return false;
    switch (m_kind) {
        case Kind::None: return true;
        case Kind::Bool: return m_bool == other.m_bool;
        case Kind::Int: return m_int == other.m_int;
        case Kind::Float: return m_float == other.m_float || (m_float != m_float && other.m_float != other.m_float);
        case Kind::String:
        case Kind::Bytes:
        case Kind::Global: return m_text == other.m_text;
        case Kind::Tensor:
            return m_tensor.scalar_type() == other.m_tensor.scalar_type() &&
                   m_tensor.sizes() == other.m_tensor.sizes() && at::equal(m_tensor.cpu(), other.m_tensor.cpu());
        case Kind::List:
        case Kind::Tuple:
            if (m_list->size() != other.m_list->size()) return false;
            for (std::size_t i = 0; i < m_list->size(); ++i)
                if (!(*m_list)[i].equals((*other.m_list)[i])) return false;
            return true;
        case Kind::Dict:
            if (m_dict->ordered != other.m_dict->ordered || m_dict->entries.size() != other.m_dict->entries.size())
                return false;
            for (std::size_t i = 0; i < m_dict->entries.size(); ++i) {
                if (!m_dict->entries[i].first.equals(other.m_dict->entries[i].first)) return false;
                if (!m_dict->entries[i].second.equals(other.m_dict->entries[i].second)) return false;
            }
            return true;
        case Kind::Object: {
            const auto& a = *m_object;
            const auto& b = *other.m_object;
            if (a.className != b.className || a.args.size() != b.args.size()) return false;
            for (std::size_t i = 0; i < a.args.size(); ++i)
                if (!a.args[i].equals(b.args[i])) return false;
            return a.state.equals(b.state);
        }
    }
    return false;
}

bool pyKeyEquals(const PyValue& a, const PyValue& b) {
    if (a.isString() && b.isString()) return a.asString() == b.asString();
    if (a.isNumber() && b.isNumber()) {
        if (a.isFloat() || b.isFloat()) return a.asFloat() == b.asFloat();
        return a.asInt() == b.asInt();
    }
    if (a.isNone() && b.isNone()) return true;
    if (a.isBytes() && b.isBytes()) return a.asString() == b.asString();
    if (a.isTuple() && b.isTuple()) return a.equals(b);
    return false;
}

const PyValue* PyDict::find(const PyValue& key) const {
    return const_cast<PyDict*>(this)->find(key);
}

PyValue* PyDict::find(const PyValue& key) {
    for (auto& [k, v] : entries)
        if (pyKeyEquals(k, key)) return &v;
    return nullptr;
}

void PyDict::set(PyValue key, PyValue value) {
    if (PyValue* existing = find(key)) {
        *existing = std::move(value);
        return;
    }
    entries.emplace_back(std::move(key), std::move(value));
}

}  // namespace studio::train
