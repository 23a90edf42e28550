// writePth(): pickle + storages into a zip through caffe2's PyTorchStreamWriter, streamed into an
// AtomicFileWriter so a failure never leaves a half-written file under the final name.
#include <caffe2/serialize/inline_container.h>

#include <functional>

#include <c10/util/Exception.h>

#include "base/util/atomic_file.h"
#include "train/io/pickle_writer.h"
#include "train/io/pth_file.h"

namespace studio::train {

namespace {

using Sink = std::function<size_t(const void*, size_t)>;

void writeArchive(const PyValue& root, const Sink& sink) {
    PickledData pickled = pickleValue(root);
    caffe2::serialize::PyTorchStreamWriter writer(sink);
    writer.writeRecord("data.pkl", pickled.bytes.data(), pickled.bytes.size());
    writer.writeRecord("byteorder", "little", 6);
    static const char kEmpty = 0;
    for (std::size_t i = 0; i < pickled.tensors.size(); ++i) {
        const at::Tensor& t = pickled.tensors[i];
        const std::size_t bytes = t.numel() * t.element_size();
        writer.writeRecord("data/" + std::to_string(i), bytes ? t.data_ptr() : &kEmpty, bytes);
    }
    writer.writeEndOfFile();
}

}  // namespace

std::string encodePth(const PyValue& root) {
    std::string out;
    writeArchive(root, [&out](const void* data, size_t size) {
        out.append(static_cast<const char*>(data), size);
        return size;
    });
    return out;
}

void writePth(const std::string& path, const PyValue& root) {
    std::string sinkError;
    try {
        AtomicFileWriter file(path);
        writeArchive(root, [&](const void* data, size_t size) -> size_t {
            if (!sinkError.empty()) return 0;
            try {
                file.write(data, size);
                return size;
            } catch (const std::exception& e) {  // never throw through the C zip writer
                sinkError = e.what();
                return 0;
            }
        });
        if (!sinkError.empty()) throw PthError(sinkError);
        file.commit();
    } catch (const PthError& e) {
        throw PthError(std::string(e.what()).find(path) == std::string::npos
                           ? path + ": " + e.what() : std::string(e.what()));
    } catch (const c10::Error& e) {
        const std::string why = sinkError.empty() ? std::string(e.what_without_backtrace()) : sinkError;
        throw PthError(path + ": could not write the checkpoint: " + why.substr(0, why.find('\n')) +
                       " (the previous file, if any, is unchanged)");
    } catch (const std::invalid_argument& e) {
        throw PthError(path + ": cannot save: " + e.what());
    } catch (const std::runtime_error& e) {
        throw PthError(path + ": could not write the checkpoint: " + e.what() +
                       " (the previous file, if any, is unchanged)");
    }
}

}  // namespace studio::train
