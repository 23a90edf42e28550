#pragma once
// torch.save / torch.load compatible .pth files (zip archive: <prefix>/data.pkl + <prefix>/data/<key>
// storages + version), read and written without Python. rfdetr-spec.md §7.5.
//
// Reading: every checkpoint rfdetr publishes or writes (OrderedDict state dicts, argparse.Namespace args,
// optimizer and scheduler state) becomes a PyValue tree; tensors are CPU tensors.
// Writing: a PyValue tree (dicts, OrderedDicts, lists, tuples, scalars, strings, tensors, Namespace-like
// objects) that Python's torch.load reads back, written atomically (temp file, fsync, rename).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/io/py_value.h"

namespace studio::train {

/// A .pth file that cannot be read or written; the message names the file and what to do.
class PthError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PthFile {
    PyValue root;
    std::vector<std::string> unknownClasses;  // classes kept as opaque objects (see pickle_reader.h)
    std::uint64_t formatVersion = 0;          // the archive's `version` record
};

/// Reads a torch.save archive. Throws PthError naming `path` when the file is missing, not a PyTorch
/// checkpoint (including the legacy pre-1.6 format and TorchScript archives), truncated or corrupt.
/// Any thread.
PthFile readPth(const std::string& path);

/// Writes `root` to `path` in torch.save's zip format (pickle protocol 2), atomically: the previous file
/// stays intact on any failure. Tensors may live on any device and have any layout; they are stored
/// contiguous on CPU. Throws PthError naming the file. Any thread.
void writePth(const std::string& path, const PyValue& root);

/// The archive bytes writePth() would write (the folder inside the zip is "archive").
std::string encodePth(const PyValue& root);

}  // namespace studio::train
