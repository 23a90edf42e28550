#pragma once
// A Python value as torch.save stores it: None, bool, int, float, str, bytes, tensors, lists, tuples,
// dicts (plain or collections.OrderedDict) and objects of other classes (argparse.Namespace and anything
// unknown: class name, constructor arguments and BUILD state). The .pth reader produces this tree and the
// writer consumes it (rfdetr-spec.md §7.5).
//
// Containers have reference semantics, like Python: copying a PyValue that holds a list, dict or object
// shares it. Use clone() for a deep copy of the containers (tensors are shared).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

class PyValue;
struct PyDict;
struct PyObject;
using PyList = std::vector<PyValue>;

class PyValue {
public:
    enum class Kind { None, Bool, Int, Float, String, Bytes, Tensor, List, Tuple, Dict, Object, Global };

    PyValue() = default;  // None
    PyValue(bool v);      // NOLINT(google-explicit-constructor): Python literals read naturally
    PyValue(int v);       // NOLINT
    PyValue(std::int64_t v);  // NOLINT
    PyValue(double v);    // NOLINT
    PyValue(const char* v);   // NOLINT
    PyValue(std::string v);   // NOLINT
    PyValue(at::Tensor v);    // NOLINT

    static PyValue none() { return {}; }
    static PyValue bytes(std::string data);
    static PyValue list(PyList items = {});
    static PyValue tuple(PyList items = {});
    /// A plain dict (`ordered` = collections.OrderedDict, as state dicts are).
    static PyValue dict(bool ordered = false);
    /// An instance of `className` ("argparse.Namespace") whose attributes live in a dict state (BUILD).
    static PyValue object(std::string className, PyList args = {}, bool newObj = true);
    /// argparse.Namespace(**attrs): attributes are set with set().
    static PyValue namespaceObject() { return object("argparse.Namespace"); }
    /// A reference to a class or function ("module.name") that was never called.
    static PyValue global(std::string qualifiedName);

    Kind kind() const { return m_kind; }
    bool isNone() const { return m_kind == Kind::None; }
    bool isBool() const { return m_kind == Kind::Bool; }
    bool isInt() const { return m_kind == Kind::Int; }
    bool isFloat() const { return m_kind == Kind::Float; }
    bool isNumber() const { return isInt() || isFloat() || isBool(); }
    bool isString() const { return m_kind == Kind::String; }
    bool isBytes() const { return m_kind == Kind::Bytes; }
    bool isTensor() const { return m_kind == Kind::Tensor; }
    bool isList() const { return m_kind == Kind::List; }
    bool isTuple() const { return m_kind == Kind::Tuple; }
    bool isSequence() const { return isList() || isTuple(); }
    bool isDict() const { return m_kind == Kind::Dict; }
    bool isObject() const { return m_kind == Kind::Object; }
    bool isGlobal() const { return m_kind == Kind::Global; }
    /// An object or dict with attributes reachable through find(): dicts by key, objects by BUILD state.
    bool isMapping() const;

    /// Accessors throw std::runtime_error("expected int, found str") when the kind does not match.
    bool asBool() const;
    std::int64_t asInt() const;     // also accepts bool
    double asFloat() const;         // also accepts int and bool
    const std::string& asString() const;  // str, bytes, or the name of a global
    const at::Tensor& asTensor() const;
    PyList& items();                // list or tuple
    const PyList& items() const;
    PyDict& dictRef();
    const PyDict& dictRef() const;
    PyObject& objectRef();
    const PyObject& objectRef() const;

    /// Dict entry with a str key, or attribute of an object (its dict state); nullptr when absent.
    const PyValue* find(std::string_view key) const;
    PyValue* find(std::string_view key);
    /// Like find() but throws std::runtime_error("no key 'epoch' in dict") when absent.
    const PyValue& at(std::string_view key) const;
    /// Sets a dict entry (str key; replaces in place) or an object attribute.
    void set(std::string_view key, PyValue value);
    /// Appends to a list or tuple.
    void append(PyValue value);
    std::size_t size() const;  // items of a list/tuple/dict, 0 otherwise

    /// "int", "str", "dict", "collections.OrderedDict", "argparse.Namespace", "tensor" ...
    std::string typeName() const;
    /// Short human-readable form for messages and model-summary (tensors as "tensor float32 [91, 256]").
    std::string repr(int maxItems = 8) const;
    /// Deep copy of every container (tensors are shared, not copied).
    PyValue clone() const;
    /// Structural equality (tensors compared by dtype, shape and values).
    bool equals(const PyValue& other) const;

private:
    Kind m_kind = Kind::None;
    bool m_bool = false;
    std::int64_t m_int = 0;
    double m_float = 0;
    std::string m_text;
    at::Tensor m_tensor;
    std::shared_ptr<PyList> m_list;
    std::shared_ptr<PyDict> m_dict;
    std::shared_ptr<PyObject> m_object;
};

/// Insertion-ordered mapping. Keys are usually str (state dicts) or int (optimizer state).
struct PyDict {
    std::vector<std::pair<PyValue, PyValue>> entries;
    bool ordered = false;  // collections.OrderedDict
    PyValue state;         // BUILD state of an OrderedDict (its `_metadata`), None otherwise

    const PyValue* find(const PyValue& key) const;
    PyValue* find(const PyValue& key);
    void set(PyValue key, PyValue value);
};

struct PyObject {
    std::string className;  // "argparse.Namespace"
    PyList args;            // constructor arguments
    bool newObj = true;     // created with NEWOBJ (cls.__new__) rather than REDUCE (a call)
    PyValue state;          // BUILD state: a dict of attributes for plain Python classes
};

/// Key equality as Python would see it for str / int / bool / float / None keys.
bool pyKeyEquals(const PyValue& a, const PyValue& b);

}  // namespace studio::train
