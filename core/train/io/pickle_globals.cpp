#include "train/io/pickle_globals.h"

#include <cstring>
#include <optional>
#include <vector>

#include <ATen/ATen.h>

#include "train/io/pickle_reader.h"

namespace studio::train {

namespace {

at::Tensor rebuildTensor(const PyList& a, bool withStride) {
    if (a.size() < 3 || !a[0].isTensor()) throw PickleError("_rebuild_tensor: expected (storage, offset, size, ...)");
    const at::Tensor& storage = a[0].asTensor();
    const std::int64_t offset = a[1].asInt();
    std::vector<std::int64_t> size;
    for (const auto& v : a[2].items()) size.push_back(v.asInt());
    std::vector<std::int64_t> stride;
    if (withStride && a.size() > 3 && a[3].isSequence()) {
        for (const auto& v : a[3].items()) stride.push_back(v.asInt());
    } else {  // contiguous
        stride.assign(size.size(), 1);
        for (int i = static_cast<int>(size.size()) - 2; i >= 0; --i) stride[i] = stride[i + 1] * size[i + 1];
    }
    if (stride.size() != size.size()) throw PickleError("_rebuild_tensor: size and stride differ in length");
    std::int64_t last = offset;  // highest element index touched
    for (std::size_t i = 0; i < size.size(); ++i) {
        if (size[i] == 0) return at::empty(size, storage.options());
        last += (size[i] - 1) * stride[i];
    }
    if (offset < 0 || last >= storage.numel())
        throw PickleError("tensor of size " + std::to_string(size.size()) + "-d reaches element " +
                          std::to_string(last) + " of a storage with " + std::to_string(storage.numel()) +
                          " elements (truncated or inconsistent checkpoint)");
    return storage.as_strided(size, stride, offset);
}

// numpy scalars (np.float64(0.1) in argparse args): scalar(dtype('f8', ...), raw bytes) -> float / int / bool.
// numpy pickles the native (little-endian here) bytes.
std::optional<PyValue> numpyScalar(const PyList& args) {
    if (args.size() < 2 || !args[0].isObject() || args[0].objectRef().args.empty() || !args[1].isBytes() ||
        !args[0].objectRef().args[0].isString())
        return std::nullopt;
    const std::string& code = args[0].objectRef().args[0].asString();
    const std::string& raw = args[1].asString();
    auto read = [&raw](auto value) {
        std::memcpy(&value, raw.data(), sizeof value);
        return value;
    };
    if (code == "f8" && raw.size() == 8) return PyValue(read(double{}));
    if (code == "f4" && raw.size() == 4) return PyValue(static_cast<double>(read(float{})));
    if ((code == "i8" || code == "u8") && raw.size() == 8) return PyValue(read(std::int64_t{}));
    if ((code == "i4" || code == "u4") && raw.size() == 4) return PyValue(static_cast<std::int64_t>(read(std::int32_t{})));
    if (code == "b1" && raw.size() == 1) return PyValue(raw[0] != 0);
    return std::nullopt;
}


// UTF-8 text whose code points are all < 256, back to the bytes they stand for.
std::string latin1(const std::string& utf8) {
    std::string out;
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
            out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3f));
        } else {
            throw PickleError("bytes encoded with a code point above 255");
        }
    }
    return out;
}

}  // namespace

bool isKnownClass(const std::string& cls) { return cls == "argparse.Namespace" || cls == "numpy.dtype"; }

bool isSetClass(const std::string& n) { return n == "builtins.set" || n == "builtins.frozenset"; }

GlobalCall callGlobal(const std::string& name, PyList args) {
    if (name == "torch._utils._rebuild_tensor_v2") return {PyValue(rebuildTensor(args, true)), ""};
    if (name == "torch._utils._rebuild_tensor") return {PyValue(rebuildTensor(args, true)), ""};
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (args.empty() || !args[0].isTensor()) throw PickleError(name + " without a tensor");
        return {args[0], ""};
    }
    if (name == "collections.OrderedDict") {
        PyValue d = PyValue::dict(true);
        if (!args.empty() && args[0].isSequence())
            for (auto& kv : args[0].items()) d.dictRef().set(kv.items().at(0), kv.items().at(1));
        return {d, ""};
    }
    if (name == "_codecs.encode") {  // protocol-2 bytes: encode(str, 'latin1')
        if (args.empty() || !args[0].isString()) throw PickleError("_codecs.encode without a str");
        return {PyValue::bytes(latin1(args[0].asString())), ""};
    }
    if (isSetClass(name)) {
        PyValue set = PyValue::object(name, {PyValue::list()}, false);
        if (!args.empty() && args[0].isSequence()) set.objectRef().args[0] = PyValue::list(args[0].items());
        return {set, ""};
    }
    if (name == "numpy.core.multiarray.scalar" || name == "numpy._core.multiarray.scalar") {
        if (auto v = numpyScalar(args)) return {*v, ""};
    }
    if (name == "copyreg._reconstructor" && !args.empty() && args[0].isGlobal()) {
        return {PyValue::object(args[0].asString(), {}, true), args[0].asString()};
    }
    return {PyValue::object(name, std::move(args), false), isKnownClass(name) ? "" : name};
}

}  // namespace studio::train
