#include "train/io/pickle_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <unordered_map>

#include "train/io/pickle_globals.h"

namespace studio::train {

namespace {

// Pickle opcodes (Python's Lib/pickle.py names).
enum Op : unsigned char {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I', BININT = 'J',
    BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q', REDUCE = 'R',
    STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a',
    BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h',
    INST = 'i', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q',
    LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
    PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88,
    NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 'B', SHORT_BINBYTES = 'C',
    SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90,
    FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
    BYTEARRAY8 = 0x96,
};

// Python 2 module names that protocol-2 pickles use for builtins (fix_imports).
std::string canonicalModule(std::string m) {
    if (m == "__builtin__") return "builtins";
    if (m == "copy_reg") return "copyreg";
    return m;
}

class Unpickler {
public:
    Unpickler(std::string_view data, const PersistentLoader& loader) : m_data(data), m_loader(loader) {}

    std::exception_ptr loaderError;

    UnpickleResult run() {
        while (true) {
            m_opPos = m_pos;
            const auto op = static_cast<unsigned char>(read(1)[0]);
            if (op == STOP) break;
            step(op);
        }
        if (m_stack.size() != 1) fail("pickle ended with " + std::to_string(m_stack.size()) + " values on the stack");
        return {m_stack.back(), m_unknown};
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw PickleError("pickle byte " + std::to_string(m_opPos) + ": " + what);
    }

    std::string_view read(std::size_t n) {
        if (n > m_data.size() - m_pos) fail("data ends early (truncated pickle)");
        std::string_view s = m_data.substr(m_pos, n);
        m_pos += n;
        return s;
    }
    std::string_view readLine() {
        const std::size_t nl = m_data.find('\n', m_pos);
        if (nl == std::string_view::npos) fail("data ends early (truncated pickle)");
        std::string_view s = m_data.substr(m_pos, nl - m_pos);
        m_pos = nl + 1;
        return s;
    }
    std::uint64_t readUInt(int bytes) {
        const std::string_view s = read(static_cast<std::size_t>(bytes));
        std::uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
        return v;
    }
    std::string readSized(int lenBytes) {
        const std::uint64_t n = readUInt(lenBytes);
        if (n > m_data.size()) fail("length " + std::to_string(n) + " exceeds the data (truncated pickle)");
        return std::string(read(static_cast<std::size_t>(n)));
    }

    PyValue pop() {
        if (m_stack.empty() || (!m_marks.empty() && m_stack.size() <= m_marks.back())) fail("stack underflow");
        PyValue v = std::move(m_stack.back());
        m_stack.pop_back();
        return v;
    }
    PyValue& top() {
        if (m_stack.empty()) fail("stack underflow");
        return m_stack.back();
    }
    PyList popMark() {
        if (m_marks.empty()) fail("no MARK on the stack");
        const std::size_t m = m_marks.back();
        m_marks.pop_back();
        PyList items(std::make_move_iterator(m_stack.begin() + static_cast<std::ptrdiff_t>(m)),
                     std::make_move_iterator(m_stack.end()));
        m_stack.resize(m);
        return items;
    }
    void push(PyValue v) { m_stack.push_back(std::move(v)); }
    void memoPut(std::uint64_t idx) { m_memo[idx] = top(); }
    PyValue memoGet(std::uint64_t idx) {
        auto it = m_memo.find(idx);
        if (it == m_memo.end()) fail("memo entry " + std::to_string(idx) + " was never stored");
        return it->second;
    }

    PyValue makeLong(std::string_view bytes) {
        if (bytes.size() > 8) fail("integer wider than 64 bits");
        std::uint64_t v = 0;
        for (std::size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
        if (!bytes.empty() && bytes.size() < 8 && (static_cast<unsigned char>(bytes.back()) & 0x80))
            v |= ~std::uint64_t(0) << (8 * bytes.size());  // sign-extend
        return PyValue(static_cast<std::int64_t>(v));
    }

    void noteUnknown(const std::string& cls) {
        if (isKnownClass(cls)) return;
        if (std::find(m_unknown.begin(), m_unknown.end(), cls) == m_unknown.end()) m_unknown.push_back(cls);
    }

    // func(*args): known callables are evaluated, any other class becomes an object (recorded).
    PyValue call(const PyValue& func, PyList args) {
        if (!func.isGlobal()) fail("REDUCE on a " + func.typeName() + ", not a class or function");
        try {
            GlobalCall r = callGlobal(func.asString(), std::move(args));
            if (!r.unknownClass.empty()) noteUnknown(r.unknownClass);
            return std::move(r.value);
        } catch (const PickleError& e) {
            fail(e.what());
        }
    }

    void build() {
        PyValue state = pop();
        PyValue& target = top();
        if (target.isObject()) {
            target.objectRef().state = std::move(state);
        } else if (target.isDict()) {
            target.dictRef().state = std::move(state);  // OrderedDict._metadata
        }
        // Tensors and other values: torch's BUILD states (e.g. subclass attributes) carry no data we need.
    }

    void setItems(PyList items, PyValue& target) {
        if (items.size() % 2) fail("SETITEMS with an odd number of values");
        if (!target.isDict()) fail("SETITEMS on a " + target.typeName());
        for (std::size_t i = 0; i < items.size(); i += 2)
            target.dictRef().set(std::move(items[i]), std::move(items[i + 1]));
    }

    void appendTo(PyValue& target, PyList items) {
        if (target.isList()) {
            for (auto& v : items) target.items().push_back(std::move(v));
        } else if (target.isObject() && isSetClass(target.objectRef().className)) {
            for (auto& v : items) target.objectRef().args.at(0).items().push_back(std::move(v));
        } else {
            fail("APPEND on a " + target.typeName());
        }
    }

    void step(unsigned char op) {
        switch (op) {
            case PROTO: read(1); break;
            case FRAME: read(8); break;
            case MARK: m_marks.push_back(m_stack.size()); break;
            case POP: pop(); break;
            case POP_MARK: popMark(); break;
            case DUP: push(top()); break;
            case NONE: push(PyValue()); break;
            case NEWTRUE: push(PyValue(true)); break;
            case NEWFALSE: push(PyValue(false)); break;
            case BININT: push(PyValue(static_cast<std::int64_t>(static_cast<std::int32_t>(readUInt(4))))); break;
            case BININT1: push(PyValue(static_cast<std::int64_t>(readUInt(1)))); break;
            case BININT2: push(PyValue(static_cast<std::int64_t>(readUInt(2)))); break;
            case LONG1: push(makeLong(read(readUInt(1)))); break;
            case LONG4: push(makeLong(read(readUInt(4)))); break;
            case INT: {
                const std::string s(readLine());
                if (s == "01") push(PyValue(true));
                else if (s == "00") push(PyValue(false));
                else push(PyValue(static_cast<std::int64_t>(std::stoll(s))));
                break;
            }
            case LONG: {
                std::string s(readLine());
                if (!s.empty() && s.back() == 'L') s.pop_back();
                push(PyValue(static_cast<std::int64_t>(std::stoll(s))));
                break;
            }
            case FLOAT: push(PyValue(std::stod(std::string(readLine())))); break;
            case BINFLOAT: {
                const std::uint64_t bits = [&] {  // big-endian IEEE double
                    const std::string_view s = read(8);
                    std::uint64_t v = 0;
                    for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
                    return v;
                }();
                double d;
                std::memcpy(&d, &bits, sizeof d);
                push(PyValue(d));
                break;
            }
            case BINUNICODE: push(PyValue(readSized(4))); break;
            case SHORT_BINUNICODE: push(PyValue(readSized(1))); break;
            case BINUNICODE8: push(PyValue(readSized(8))); break;
            case UNICODE: push(PyValue(std::string(readLine()))); break;
            case BINSTRING: push(PyValue(readSized(4))); break;
            case SHORT_BINSTRING: push(PyValue(readSized(1))); break;
            case STRING: {
                std::string s(readLine());
                if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"')) s = s.substr(1, s.size() - 2);
                push(PyValue(s));
                break;
            }
            case BINBYTES: push(PyValue::bytes(readSized(4))); break;
            case SHORT_BINBYTES: push(PyValue::bytes(readSized(1))); break;
            case BINBYTES8:
            case BYTEARRAY8: push(PyValue::bytes(readSized(8))); break;
            case EMPTY_LIST: push(PyValue::list()); break;
            case EMPTY_TUPLE: push(PyValue::tuple()); break;
            case EMPTY_DICT: push(PyValue::dict()); break;
            case EMPTY_SET: push(PyValue::object("builtins.set", {PyValue::list()}, false)); break;
            case LIST: push(PyValue::list(popMark())); break;
            case TUPLE: push(PyValue::tuple(popMark())); break;
            case TUPLE1: { PyValue a = pop(); push(PyValue::tuple({a})); break; }
            case TUPLE2: { PyValue b = pop(); PyValue a = pop(); push(PyValue::tuple({a, b})); break; }
            case TUPLE3: {
                PyValue c = pop(); PyValue b = pop(); PyValue a = pop();
                push(PyValue::tuple({a, b, c}));
                break;
            }
            case FROZENSET: push(PyValue::object("builtins.frozenset", {PyValue::list(popMark())}, false)); break;
            case DICT: {
                PyValue d = PyValue::dict();
                setItems(popMark(), d);
                push(d);
                break;
            }
            case APPEND: { PyValue v = pop(); appendTo(top(), {v}); break; }
            case APPENDS:
            case ADDITEMS: { PyList items = popMark(); appendTo(top(), std::move(items)); break; }
            case SETITEM: {
                PyValue v = pop();
                PyValue k = pop();
                setItems({k, v}, top());
                break;
            }
            case SETITEMS: { PyList items = popMark(); setItems(std::move(items), top()); break; }
            case GLOBAL: {
                const std::string module = canonicalModule(std::string(readLine()));
                const std::string name(readLine());
                push(PyValue::global(module + "." + name));
                break;
            }
            case STACK_GLOBAL: {
                PyValue name = pop();
                PyValue module = pop();
                push(PyValue::global(canonicalModule(module.asString()) + "." + name.asString()));
                break;
            }
            case REDUCE: {
                PyValue args = pop();
                PyValue func = pop();
                push(call(func, args.isSequence() ? args.items() : PyList{}));
                break;
            }
            case NEWOBJ: {
                PyValue args = pop();
                PyValue cls = pop();
                if (!cls.isGlobal()) fail("NEWOBJ on a " + cls.typeName());
                if (cls.asString() == "collections.OrderedDict") { push(PyValue::dict(true)); break; }
                if (isSetClass(cls.asString())) { push(call(cls, args.items())); break; }
                noteUnknown(cls.asString());
                push(PyValue::object(cls.asString(), args.isSequence() ? args.items() : PyList{}, true));
                break;
            }
            case NEWOBJ_EX: {
                pop();  // kwargs
                PyValue args = pop();
                PyValue cls = pop();
                noteUnknown(cls.asString());
                push(PyValue::object(cls.asString(), args.isSequence() ? args.items() : PyList{}, true));
                break;
            }
            case OBJ: {
                PyList items = popMark();
                if (items.empty() || !items[0].isGlobal()) fail("OBJ without a class");
                const std::string cls = items[0].asString();
                noteUnknown(cls);
                push(PyValue::object(cls, PyList(items.begin() + 1, items.end()), true));
                break;
            }
            case INST: {
                const std::string cls = canonicalModule(std::string(readLine())) + "." + std::string(readLine());
                noteUnknown(cls);
                push(PyValue::object(cls, popMark(), true));
                break;
            }
            case BUILD: build(); break;
            case BINPERSID:
            case PERSID: {
                PyValue pid = op == BINPERSID ? pop() : PyValue(std::string(readLine()));
                if (!m_loader) fail("persistent id without a storage loader");
                try {
                    push(m_loader(pid));
                } catch (...) {  // the loader's own errors reach the caller unchanged
                    loaderError = std::current_exception();
                    throw;
                }
                break;
            }
            case PUT: memoPut(std::stoull(std::string(readLine()))); break;
            case BINPUT: memoPut(readUInt(1)); break;
            case LONG_BINPUT: memoPut(readUInt(4)); break;
            case MEMOIZE: memoPut(m_memo.size()); break;
            case GET: push(memoGet(std::stoull(std::string(readLine())))); break;
            case BINGET: push(memoGet(readUInt(1))); break;
            case LONG_BINGET: push(memoGet(readUInt(4))); break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%02x", op);
                fail(std::string("unsupported opcode ") + buf + " (not a pickle, or a feature torch.save never uses)");
            }
        }
    }

    std::string_view m_data;
    const PersistentLoader& m_loader;
    std::size_t m_pos = 0;
    std::size_t m_opPos = 0;
    std::vector<PyValue> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint64_t, PyValue> m_memo;
    std::vector<std::string> m_unknown;
};

}  // namespace

UnpickleResult unpickle(std::string_view data, const PersistentLoader& persistentLoad) {
    Unpickler vm(data, persistentLoad);
    try {
        return vm.run();
    } catch (const PickleError&) {
        if (vm.loaderError) std::rethrow_exception(vm.loaderError);
        throw;
    } catch (const std::invalid_argument& e) {  // std::stoll & co on a malformed text opcode
        throw PickleError(std::string("malformed number in pickle text: ") + e.what());
    } catch (const std::out_of_range& e) {
        throw PickleError(std::string("malformed pickle structure: ") + e.what());
    } catch (const std::runtime_error& e) {  // PyValue kind mismatches inside known calls
        if (vm.loaderError) std::rethrow_exception(vm.loaderError);
        throw PickleError(std::string("unexpected pickle content: ") + e.what());
    }
}

}  // namespace studio::train
