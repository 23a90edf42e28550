#pragma once
// A COCO dataset folder in the layout rfdetr reads (its "roboflow" format): <root>/train, valid and
// test, each holding _annotations.coco.json and the images it names. Classes follow rfdetr's
// convention: categories whose supercategory is "none" (Roboflow's dataset-level category) are not
// classes, the class names are the other categories' names, and labels are the raw category ids
// used as logit indices, so the classification head has max category id + 1 logits.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/coco/coco_index.h"
#include "base/util/problem.h"

namespace studio {

inline constexpr const char* kCocoAnnotationFile = "_annotations.coco.json";
inline constexpr const char* kCocoSplitNames[] = {"train", "valid", "test"};

/// The classes a dataset gives the model (rfdetr's convention, see above).
struct ClassList {
    std::vector<CocoCategory>
        classes;                     // categories whose supercategory is not "none", in file order
    std::vector<std::string> names;  // their names: rfdetr's class_names
    int numLogits = 0;               // max class category id + 1 (0 without classes)

    /// Name of the class with this category id, if it is a class.
    std::optional<std::string> nameOf(std::int64_t categoryId) const;
    bool isClass(std::int64_t categoryId) const { return nameOf(categoryId).has_value(); }
};

/// Classes from a category list (rfdetr reads train's categories).
ClassList classListFromCategories(const std::vector<CocoCategory>& categories);

struct CocoSplit {
    std::string name;            // "train" | "valid" | "test"
    std::string directory;       // <root>/<name>
    std::string annotationFile;  // <root>/<name>/_annotations.coco.json
    CocoIndex index;
};

class CocoDataset {
  public:
    /// Opens `root` and loads the splits that have an annotation file. Each file's problems and
    /// missing train/valid splits are appended to `problems` (errors) and a missing test split
    /// (warning); throws std::runtime_error when `root` is not a readable folder. Any thread.
    static CocoDataset open(const std::string& root, std::vector<Problem>* problems = nullptr,
                            const CocoLoadOptions& options = {});
    /// True when `root` looks like this layout (train/_annotations.coco.json exists), as rfdetr
    /// tests it.
    static bool looksLikeCocoDataset(const std::string& root);

    const std::string& root() const { return m_root; }
    const std::vector<CocoSplit>& splits() const { return m_splits; }
    /// The split called `name`, or nullptr when the folder has none.
    const CocoSplit* split(const std::string& name) const;
    /// Classes from the train split's categories (empty without a train split).
    const ClassList& classes() const { return m_classes; }

  private:
    std::string m_root;
    std::vector<CocoSplit> m_splits;
    ClassList m_classes;
};

}  // namespace studio
