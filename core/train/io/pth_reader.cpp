// readPth(): torch.save zip archives through caffe2's PyTorchStreamReader and our pickle VM.
#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "train/io/pickle_reader.h"
#include "train/io/pth_file.h"
#include "train/io/zip_crc.h"

namespace studio::train {

namespace {

struct StorageType {
    const char* name;
    at::ScalarType dtype;
};

constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", at::kFloat},     {"torch.DoubleStorage", at::kDouble},
    {"torch.HalfStorage", at::kHalf},       {"torch.BFloat16Storage", at::kBFloat16},
    {"torch.LongStorage", at::kLong},       {"torch.IntStorage", at::kInt},
    {"torch.ShortStorage", at::kShort},     {"torch.CharStorage", at::kChar},
    {"torch.ByteStorage", at::kByte},       {"torch.BoolStorage", at::kBool},
    {"torch.ComplexFloatStorage", at::kComplexFloat}, {"torch.ComplexDoubleStorage", at::kComplexDouble},
    {"torch.UntypedStorage", at::kByte},
};

at::ScalarType storageDtype(const std::string& typeName) {
    for (const auto& t : kStorageTypes)
        if (typeName == t.name) return t.dtype;
    throw PickleError("unsupported storage type " + typeName);
}

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// Recognises the common wrong inputs before the zip reader produces a cryptic message.
void checkMagic(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PthError(path + ": cannot open the file (" + std::strerror(errno) + ")");
    char head[16] = {};
    in.read(head, sizeof head);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) throw PthError(path + ": the file is empty (an interrupted download or copy?); fetch it again");
    if (got >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return;
    if (got >= 2 && static_cast<unsigned char>(head[0]) == 0x80 && static_cast<unsigned char>(head[1]) <= 5)
        throw PthError(path + ": this is a legacy (PyTorch < 1.6) torch.save file, which is not supported; "
                              "re-save it in Python with torch.save(torch.load(f), f2)");
    throw PthError(path + ": not a PyTorch checkpoint (expected a torch.save zip archive; is it a " +
                   "different format, e.g. safetensors or ONNX?)");
}

}  // namespace

PthFile readPth(const std::string& path) {
    checkMagic(path);
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        std::map<std::string, std::uint32_t> crcs;
        try {
            crcs = zipEntryCrcs(path);
        } catch (const std::runtime_error& e) {
            throw PthError(path + ": corrupt zip archive (" + e.what() + "); download or copy it again");
        }
        std::string prefix;  // "<archive>/" as the entries are named
        for (const auto& [name, crc] : crcs) {
            const auto slash = name.find('/');
            if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0)
                prefix = name.substr(0, slash + 1);
        }
        // PyTorchStreamReader does not check CRCs: verify every record we use.
        auto record = [&](const std::string& name) {
            auto [ptr, size] = reader.getRecord(name);
            auto it = crcs.find(prefix + name);
            if (it != crcs.end() && crc32Of(ptr.get(), size) != it->second)
                throw PthError(path + ": record " + name + " is corrupt (CRC mismatch); download or copy the file again");
            return std::make_pair(std::move(ptr), size);
        };
        if (!reader.hasRecord("data.pkl")) {
            if (reader.hasRecord("constants.pkl") || reader.hasRecord("code/__torch__.py"))
                throw PthError(path + ": a TorchScript model (torch.jit.save), not a checkpoint; use the .pth "
                                      "that rfdetr's training writes");
            throw PthError(path + ": zip archive without data.pkl: not a torch.save checkpoint");
        }
        if (reader.hasRecord("byteorder")) {
            auto [ptr, size] = record("byteorder");
            const std::string order(static_cast<const char*>(ptr.get()), size);
            if (order != "little")
                throw PthError(path + ": written on a " + order + "-endian machine; not supported");
        }
        auto [pklPtr, pklSize] = record("data.pkl");
        const std::string_view pickle(static_cast<const char*>(pklPtr.get()), pklSize);

        std::map<std::string, at::Tensor> storages;  // tensors sharing a storage share memory
        auto recordData = [&](const std::string& name) { return record(name); };
        PersistentLoader loader = [&](const PyValue& pid) -> PyValue {
            if (!pid.isTuple() || pid.size() < 5 || !pid.items()[0].isString() ||
                pid.items()[0].asString() != "storage")
                throw PickleError("unexpected persistent id " + pid.repr());
            const auto& t = pid.items();
            const std::string key = t[2].asString();
            const at::ScalarType dtype = storageDtype(t[1].asString());
            const std::int64_t numel = t[4].asInt();
            auto it = storages.find(key);
            if (it == storages.end()) {
                const std::string name = "data/" + key;
                if (!reader.hasRecord(name)) throw PickleError("storage " + name + " is missing from the archive");
                auto [ptr, size] = recordData(name);
                const std::size_t need = static_cast<std::size_t>(numel) * at::elementSize(dtype);
                if (size < need)
                    throw PickleError("storage " + name + " has " + std::to_string(size) + " bytes, expected " +
                                      std::to_string(need));
                auto holder = std::make_shared<at::DataPtr>(std::move(ptr));
                at::Tensor flat = at::from_blob(holder->get(), {numel}, [holder](void*) {},
                                                at::TensorOptions().dtype(dtype));
                it = storages.emplace(key, flat).first;
            }
            return PyValue(it->second);
        };
        UnpickleResult result = unpickle(pickle, loader);
        return {std::move(result.value), std::move(result.unknownClasses), reader.version()};
    } catch (const PthError&) {
        throw;
    } catch (const PickleError& e) {
        throw PthError(path + ": corrupt checkpoint (" + e.what() + ")");
    } catch (const c10::Error& e) {
        throw PthError(path + ": not a readable PyTorch checkpoint (truncated or corrupt zip archive: " +
                       firstLine(e.what_without_backtrace()) + "); download or copy it again");
    } catch (const std::bad_alloc&) {
        throw PthError(path + ": out of memory while reading the checkpoint");
    }
}

}  // namespace studio::train
