#include "base/coco/class_checks.h"

#include <algorithm>
#include <map>
#include <set>

namespace studio {

namespace {

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

std::uint64_t boxesOf(const SplitStats* s, std::int64_t id) {
    if (!s)
        return 0;
    for (const auto& [cid, n] : s->boxesPerCategory)
        if (cid == id)
            return n;
    return 0;
}

void checkConvention(const CocoSplit& train, const ClassList& classes,
                     const SplitStats* trainSummary, const SplitStats* validSummary,
                     CappedProblems& problems) {
    const std::vector<CocoCategory>& cats = train.index.categories();
    const std::string& file = train.annotationFile;
    if (cats.empty()) {
        problems.add("classes-none",
                     {Severity::Error, file, "", "has no categories, so the model has no classes",
                      "list the classes in \"categories\" ({\"id\": 1, \"name\": ..., "
                      "\"supercategory\": ...})"});
        return;
    }
    if (classes.classes.empty()) {
        problems.add("classes-all-none", {Severity::Error, file, "",
                                          "every category has supercategory \"none\", so rfdetr "
                                          "finds 0 classes: it treats \"none\" as "
                                          "Roboflow's dataset-level category, not a class",
                                          "set the classes' supercategory to the dataset name "
                                          "(keep \"none\" only for a category 0 that "
                                          "no annotation uses), e.g. {\"id\": 1, \"name\": "
                                          "\"Text\", \"supercategory\": \"forms\"}"});
        return;
    }
    std::set<std::string> names;
    for (const CocoCategory& c : classes.classes) {
        const std::string where = file + ": category id " + std::to_string(c.id);
        if (c.id < 0)
            problems.add("class-negative", {Severity::Error, where, "",
                                            "is negative: labels are category ids used as "
                                            "logit indices",
                                            "renumber the categories 0..N or 1..N"});
        if (c.id > kMaxReasonableCategoryId)
            problems.add("class-huge",
                         {Severity::Error, where, "",
                          "makes the classification head " + std::to_string(c.id + 1) +
                              " logits wide (labels are category ids used as logit indices)",
                          "renumber the categories 1..N"});
        if (!names.insert(c.name).second)
            problems.add("class-name-repeated",
                         {Severity::Warning, where, c.name, "repeats a class name",
                          "give each class its own name (results are reported by name)"});
        if (trainSummary && boxesOf(trainSummary, c.id) == 0)
            problems.add("class-unused", {Severity::Warning, where, c.name,
                                          "has no boxes in train: the model never learns it",
                                          "add examples or remove the category"});
        else if (validSummary && boxesOf(validSummary, c.id) == 0)
            problems.add("class-unvalidated",
                         {Severity::Warning, where, c.name,
                          "has no boxes in valid: its AP is undefined (-1) and left out of mAP",
                          "add examples of it to valid"});
    }
    const std::int64_t unused =
        classes.numLogits - static_cast<std::int64_t>(classes.classes.size());
    if (classes.numLogits > 0 &&
        unused > std::max<std::int64_t>(2, static_cast<std::int64_t>(classes.classes.size()))) {
        std::string ids;
        for (const CocoCategory& c : classes.classes)
            ids += (ids.empty() ? "" : ", ") + std::to_string(c.id);
        problems.add("class-gaps",
                     {Severity::Warning, file, ids,
                      "class ids are far from contiguous: the head gets max id + 1 = " +
                          std::to_string(classes.numLogits) + " logits, " + std::to_string(unused) +
                          " of which never see an object",
                      "renumber the categories 1..N (keep a dataset-level category 0 with "
                      "supercategory \"none\" if you like)"});
    }
}

void checkSameCategories(const CocoSplit& train, const CocoSplit& other, CappedProblems& problems) {
    std::map<std::int64_t, const CocoCategory*> mine;
    for (const CocoCategory& c : train.index.categories())
        mine[c.id] = &c;
    std::set<std::int64_t> seen;
    const std::string fix =
        "use the same \"categories\" list (ids and names) in every split; export all splits "
        "together";
    for (const CocoCategory& c : other.index.categories()) {
        seen.insert(c.id);
        const std::string where = other.annotationFile + ": category id " + std::to_string(c.id);
        const auto it = mine.find(c.id);
        if (it == mine.end()) {
            problems.add("split-category-extra",
                         {Severity::Error, where, c.name, "is not in train's categories", fix});
        } else if (it->second->name != c.name) {
            problems.add(
                "split-category-name",
                {Severity::Error, where, c.name,
                 "is " + quoted(it->second->name) + " in train: the ids do not match", fix});
        } else if (it->second->supercategory != c.supercategory) {
            problems.add(
                "split-category-super",
                {Severity::Warning, where, c.supercategory,
                 "has supercategory " + quoted(it->second->supercategory) + " in train", fix});
        }
    }
    for (const CocoCategory& c : train.index.categories()) {
        if (seen.count(c.id))
            continue;
        problems.add(
            "split-category-missing",
            {Severity::Error, other.annotationFile + ": category id " + std::to_string(c.id),
             c.name, "is in train's categories but not in " + other.name + "'s", fix});
    }
}

}  // namespace

void checkClasses(const CocoDataset& dataset, const std::vector<SplitStats>& summaries,
                  CappedProblems& problems) {
    auto summaryOf = [&](const std::string& name) -> const SplitStats* {
        for (const auto& s : summaries)
            if (s.name == name)
                return &s;
        return nullptr;
    };
    const CocoSplit* train = dataset.split("train");
    if (!train)
        return;
    checkConvention(*train, dataset.classes(), summaryOf("train"), summaryOf("valid"), problems);
    for (const CocoSplit& s : dataset.splits())
        if (s.name != "train")
            checkSameCategories(*train, s, problems);
}

}  // namespace studio
