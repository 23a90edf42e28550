#include "train/io/pickle_writer.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <ATen/ATen.h>

namespace studio::train {

namespace {

class Pickler {
public:
    PickledData run(const PyValue& root) {
        m_out.bytes += "\x80\x02";  // PROTO 2
        write(root);
        m_out.bytes += '.';  // STOP
        return std::move(m_out);
    }

private:
    void op(char c) { m_out.bytes += c; }
    void op(unsigned char c) { m_out.bytes += static_cast<char>(c); }
    void le(std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) m_out.bytes += static_cast<char>((v >> (8 * i)) & 0xff);
    }

    void global(const std::string& qualified) {
        const auto dot = qualified.rfind('.');
        if (dot == std::string::npos || dot == 0)
            throw std::invalid_argument("cannot pickle class '" + qualified + "': expected module.name");
        op('c');
        m_out.bytes += qualified.substr(0, dot) + "\n" + qualified.substr(dot + 1) + "\n";
    }

    void integer(std::int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');  // BININT1
            le(static_cast<std::uint64_t>(v), 1);
        } else if (v >= 0 && v < 65536) {
            op('M');  // BININT2
            le(static_cast<std::uint64_t>(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');  // BININT
            le(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
        } else {  // LONG1: minimal little-endian two's complement
            std::string bytes;
            std::int64_t x = v;
            while (true) {
                bytes += static_cast<char>(x & 0xff);
                const bool signBit = (x & 0x80) != 0;
                x >>= 8;  // arithmetic shift
                if ((x == 0 && !signBit) || (x == -1 && signBit)) break;
            }
            op(static_cast<unsigned char>(0x8a));
            le(bytes.size(), 1);
            m_out.bytes += bytes;
        }
    }

    void unicode(const std::string& s) {
        op('X');  // BINUNICODE
        le(s.size(), 4);
        m_out.bytes += s;
    }

    void tuple(const PyList& items) {
        if (items.empty()) {
            op(')');
            return;
        }
        if (items.size() <= 3) {
            for (const auto& v : items) write(v);
            op(static_cast<unsigned char>(0x84 + items.size()));  // TUPLE1..3
            return;
        }
        op('(');
        for (const auto& v : items) write(v);
        op('t');
    }

    void tensor(const at::Tensor& t) {
        if (!t.defined()) throw std::invalid_argument("cannot save an undefined tensor");
        at::Tensor c = t.detach().to(at::kCPU).contiguous();
        const std::string key = std::to_string(m_out.tensors.size());
        global("torch._utils._rebuild_tensor_v2");
        op('(');
        // persistent id ('storage', torch.XStorage, key, 'cpu', numel)
        op('(');
        unicode("storage");
        global(storageTypeName(c.scalar_type()));
        unicode(key);
        unicode("cpu");
        integer(c.numel());
        op('t');
        op('Q');  // BINPERSID
        integer(0);  // storage offset
        PyList size, stride;
        for (int64_t d = 0; d < c.dim(); ++d) {
            size.emplace_back(static_cast<std::int64_t>(c.size(d)));
            stride.emplace_back(static_cast<std::int64_t>(c.stride(d)));
        }
        tuple(size);
        tuple(stride);
        op(static_cast<unsigned char>(0x89));  // requires_grad = False
        global("collections.OrderedDict");      // backward hooks: OrderedDict()
        op(')');
        op('R');
        op('t');
        op('R');
        m_out.tensors.push_back(std::move(c));
    }

    void bytes(const std::string& data) {  // protocol 2: _codecs.encode(latin1 text, 'latin1')
        std::string utf8;
        for (unsigned char c : data) {
            if (c < 0x80) {
                utf8 += static_cast<char>(c);
            } else {
                utf8 += static_cast<char>(0xc0 | (c >> 6));
                utf8 += static_cast<char>(0x80 | (c & 0x3f));
            }
        }
        global("_codecs.encode");
        unicode(utf8);
        unicode("latin1");
        op(static_cast<unsigned char>(0x86));
        op('R');
    }

    void dictItems(const PyDict& d) {
        if (d.entries.empty()) return;
        op('(');
        for (const auto& [k, v] : d.entries) {
            write(k);
            write(v);
        }
        op('u');  // SETITEMS (also for one item: LibTorch 1.13's unpickler rejects SETITEM)
    }

    void write(const PyValue& v) {
        switch (v.kind()) {
            case PyValue::Kind::None: op('N'); return;
            case PyValue::Kind::Bool: op(static_cast<unsigned char>(v.asBool() ? 0x88 : 0x89)); return;
            case PyValue::Kind::Int: integer(v.asInt()); return;
            case PyValue::Kind::Float: {
                const double d = v.asFloat();
                std::uint64_t bits;
                std::memcpy(&bits, &d, sizeof bits);
                op('G');
                for (int i = 7; i >= 0; --i) m_out.bytes += static_cast<char>((bits >> (8 * i)) & 0xff);
                return;
            }
            case PyValue::Kind::String: unicode(v.asString()); return;
            case PyValue::Kind::Bytes: bytes(v.asString()); return;
            case PyValue::Kind::Global: global(v.asString()); return;
            case PyValue::Kind::Tensor: tensor(v.asTensor()); return;
            case PyValue::Kind::Tuple: tuple(v.items()); return;
            case PyValue::Kind::List:
                op(']');
                if (!v.items().empty()) {
                    op('(');
                    for (const auto& item : v.items()) write(item);
                    op('e');  // APPENDS
                }
                return;
            case PyValue::Kind::Dict: {
                const PyDict& d = v.dictRef();
                if (d.ordered) {
                    global("collections.OrderedDict");
                    op(')');
                    op('R');
                } else {
                    op('}');
                }
                dictItems(d);
                return;
            }
            case PyValue::Kind::Object: {
                const PyObject& o = v.objectRef();
                if (o.className.empty()) throw std::invalid_argument("cannot pickle an object without a class name");
                global(o.className);
                tuple(o.args);
                op(o.newObj ? static_cast<unsigned char>(0x81) : static_cast<unsigned char>('R'));
                if (!o.state.isNone()) {
                    write(o.state);
                    op('b');  // BUILD
                }
                return;
            }
        }
    }

    PickledData m_out;
};

}  // namespace

std::string storageTypeName(at::ScalarType dtype) {
    switch (dtype) {
        case at::kFloat: return "torch.FloatStorage";
        case at::kDouble: return "torch.DoubleStorage";
        case at::kHalf: return "torch.HalfStorage";
        case at::kBFloat16: return "torch.BFloat16Storage";
        case at::kLong: return "torch.LongStorage";
        case at::kInt: return "torch.IntStorage";
        case at::kShort: return "torch.ShortStorage";
        case at::kChar: return "torch.CharStorage";
        case at::kByte: return "torch.ByteStorage";
        case at::kBool: return "torch.BoolStorage";
        case at::kComplexFloat: return "torch.ComplexFloatStorage";
        case at::kComplexDouble: return "torch.ComplexDoubleStorage";
        default: break;
    }
    throw std::invalid_argument(std::string("cannot save a tensor of dtype ") + c10::toString(dtype));
}

PickledData pickleValue(const PyValue& root) { return Pickler().run(root); }

}  // namespace studio::train
