#include "base/coco/dataset_validator.h"

#include <stdexcept>

#include "base/coco/class_checks.h"
#include "base/coco/image_checks.h"
#include "base/coco/split_checks.h"

namespace studio {

namespace {

void checkNotEmpty(const CocoSplit& split, const SplitStats& s, CappedProblems& problems) {
    const bool test = split.name == "test";
    if (s.images == 0) {
        problems.add("split-empty", {test ? Severity::Warning : Severity::Error,
                                     split.annotationFile, "", "lists no images",
                                     "export the split again, or check that it is the right file"});
    } else if (s.boxes == 0) {
        const bool train = split.name == "train";
        problems.add("split-no-boxes",
                     {test ? Severity::Warning : Severity::Error, split.annotationFile, "",
                      train ? "has no boxes: there is nothing to learn"
                            : "has no boxes: mAP is undefined, so model selection and early "
                              "stopping cannot work",
                      "add the annotations (a COCO export without \"annotations\" is usually a "
                      "broken export)"});
    }
}

}  // namespace

DatasetReport validateDataset(const std::string& root, const DatasetCheckOptions& options) {
    std::vector<Problem> openProblems;
    try {
        const CocoDataset ds = CocoDataset::open(root, &openProblems);
        return validateDataset(ds, openProblems, options);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        DatasetReport report;
        report.root = root;
        std::string msg = e.what();
        if (msg.rfind(root + ": ", 0) == 0)
            msg.erase(0, root.size() + 2);
        report.problems.push_back({Severity::Error, root, "", msg,
                                   "give the dataset folder that holds train/ valid/ test/ (each "
                                   "with _annotations.coco.json)"});
        return report;
    }
}

DatasetReport validateDatasetForRun(const std::string& folder, const RunConfig& cfg,
                                    const DatasetCheckOptions& options) {
    DatasetCheckOptions o = options;
    o.checkImages = true;
    o.numQueries = cfg.numQueries;
    return validateDataset(folder, o);
}

DatasetReport validateDataset(const CocoDataset& dataset, const std::vector<Problem>& openProblems,
                              const DatasetCheckOptions& options) {
    DatasetReport report;
    report.root = dataset.root();
    report.classes = dataset.classes();
    if (const CocoSplit* train = dataset.split("train"))
        report.categories = train->index.categories();
    report.problems = openProblems;
    CappedProblems problems;
    for (const CocoSplit& split : dataset.splits()) {
        SplitStats summary;
        std::vector<ImageSize> sizes;
        if (options.checkImages)
            sizes = checkImageFiles(split, options, summary.imageFiles, problems);
        checkSplitAnnotations(split, dataset.classes(), sizes, options, summary, problems);
        checkNotEmpty(split, summary, problems);
        report.splits.push_back(std::move(summary));
    }
    checkClasses(dataset, report.splits, problems);
    problems.appendTo(report.problems);
    return report;
}

}  // namespace studio
