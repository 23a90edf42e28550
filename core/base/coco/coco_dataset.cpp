#include "base/coco/coco_dataset.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace studio {

namespace fs = std::filesystem;

std::optional<std::string> ClassList::nameOf(std::int64_t categoryId) const {
    for (const auto& c : classes)
        if (c.id == categoryId)
            return c.name;
    return std::nullopt;
}

ClassList classListFromCategories(const std::vector<CocoCategory>& categories) {
    ClassList out;
    std::int64_t maxId = -1;
    for (const auto& c : categories) {
        if (c.supercategory == "none")
            continue;
        out.classes.push_back(c);
        out.names.push_back(c.name);
        maxId = std::max(maxId, c.id);
    }
    // Negative ids cannot index logits; the validator reports them. Cap absurd ids to keep int
    // arithmetic sane.
    out.numLogits = maxId < 0 ? 0 : static_cast<int>(std::min<std::int64_t>(maxId, 1 << 30) + 1);
    return out;
}

bool CocoDataset::looksLikeCocoDataset(const std::string& root) {
    std::error_code ec;
    return fs::is_regular_file(fs::path(root) / "train" / kCocoAnnotationFile, ec);
}

CocoDataset CocoDataset::open(const std::string& root, std::vector<Problem>* problems,
                              const CocoLoadOptions& options) {
    std::error_code ec;
    const fs::path rootPath(root);
    if (!fs::exists(rootPath, ec))
        throw std::runtime_error(root + ": does not exist");
    if (!fs::is_directory(rootPath, ec))
        throw std::runtime_error(
            root + ": is not a folder (give the dataset folder that holds train/ valid/ test/)");
    fs::directory_iterator probe(rootPath, ec);
    if (ec)
        throw std::runtime_error(root + ": cannot be read (" + ec.message() + ")");

    CocoDataset ds;
    ds.m_root = root;
    for (const char* name : kCocoSplitNames) {
        const fs::path dir = rootPath / name;
        const fs::path file = dir / kCocoAnnotationFile;
        const bool required = std::string(name) != "test";
        const bool present = fs::exists(file, ec);
        if (ec && ec != std::errc::no_such_file_or_directory) {
            // e.g. a split folder without read/search permission: say so instead of "missing".
            if (problems)
                problems->push_back(
                    {Severity::Error, dir.string(), "", "cannot be read (" + ec.message() + ")",
                     "fix the folder's permissions (the trainer needs to read it)"});
            continue;
        }
        if (!present) {
            if (!problems)
                continue;
            Problem p;
            p.severity = required ? Severity::Error : Severity::Warning;
            p.field = (dir / kCocoAnnotationFile).string();
            if (!fs::exists(dir, ec)) {
                p.message =
                    std::string("the ") + name + " split is missing (no " + name + "/ folder)";
            } else {
                p.message = std::string("the ") + name + " split has no " + kCocoAnnotationFile;
            }
            p.fix = std::string(name) == "valid"
                        ? "create valid/ with its own images and _annotations.coco.json (e.g. 10% "
                          "of train): the "
                          "trainer evaluates on valid after every epoch and never on test"
                    : std::string(name) == "train"
                        ? "point the dataset at the folder holding train/ valid/ test/ (Roboflow "
                          "COCO export layout)"
                        : "optional here; rfdetr 1.4 itself refuses to start without test/";
            problems->push_back(std::move(p));
            continue;
        }
        CocoSplit split;
        split.name = name;
        split.directory = dir.string();
        split.annotationFile = file.string();
        try {
            split.index = CocoIndex::load(split.annotationFile, problems, options);
        } catch (const std::exception& e) {
            if (!problems)
                throw;
            std::string msg = e.what();
            if (msg.rfind(split.annotationFile + ": ", 0) == 0)
                msg.erase(0, split.annotationFile.size() + 2);
            problems->push_back({Severity::Error, split.annotationFile, "", msg,
                                 "check the file and its permissions"});
            continue;
        }
        ds.m_splits.push_back(std::move(split));
    }
    if (const CocoSplit* train = ds.split("train"))
        ds.m_classes = classListFromCategories(train->index.categories());
    return ds;
}

const CocoSplit* CocoDataset::split(const std::string& name) const {
    for (const auto& s : m_splits)
        if (s.name == name)
            return &s;
    return nullptr;
}

}  // namespace studio
