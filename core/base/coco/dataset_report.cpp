#include "base/coco/dataset_report.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace studio {

std::size_t boxesPerImageBin(std::uint64_t boxes) {
    std::size_t bin = 0;
    while (bin + 1 < kBoxesPerImageBinStart.size() && boxes >= kBoxesPerImageBinStart[bin + 1])
        ++bin;
    return bin;
}

std::string boxesPerImageBinLabel(std::size_t bin) {
    const std::uint32_t lo = kBoxesPerImageBinStart[bin];
    if (bin + 1 == kBoxesPerImageBinStart.size())
        return ">" + std::to_string(lo - 1);
    const std::uint32_t hi = kBoxesPerImageBinStart[bin + 1] - 1;
    return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

namespace {

std::string pad(std::string s, std::size_t width, bool right = true) {
    if (s.size() >= width)
        return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string categoryName(const DatasetReport& r, std::int64_t id) {
    for (const auto& c : r.categories)
        if (c.id == id)
            return c.name;
    return "?";
}

std::size_t count(const std::vector<Problem>& ps, Severity s) {
    return static_cast<std::size_t>(
        std::count_if(ps.begin(), ps.end(), [&](const Problem& p) { return p.severity == s; }));
}

}  // namespace

std::string formatDatasetReport(const DatasetReport& r) {
    std::string out = "Dataset " + r.root + "\n";
    if (!r.classes.classes.empty()) {
        out += "Classes (" + std::to_string(r.classes.classes.size()) + "): ";
        for (std::size_t i = 0; i < r.classes.classes.size(); ++i)
            out += (i ? ", " : "") + r.classes.classes[i].name + " (id " +
                   std::to_string(r.classes.classes[i].id) + ")";
        out += "\nClassification head: " + std::to_string(r.classes.numLogits) +
               " logits (max class id + 1; labels are category ids)\n";
        for (const auto& c : r.categories)
            if (c.supercategory == "none")
                out += "Category " + std::to_string(c.id) + " \"" + c.name +
                       "\" has supercategory \"none\": the dataset-level category, not a class\n";
    }
    if (!r.splits.empty()) {
        out += "\n" + pad("split", 6, false) + pad("images", 10) + pad("boxes", 11) +
               pad("crowd", 8) + pad("no boxes", 10) + pad("max/page", 10) + "  boxes per class\n";
        for (const auto& s : r.splits) {
            std::string perClass;
            for (const auto& [id, n] : s.boxesPerCategory)
                perClass +=
                    (perClass.empty() ? "" : ", ") + categoryName(r, id) + " " + std::to_string(n);
            out += pad(s.name, 6, false) + pad(std::to_string(s.images), 10) +
                   pad(std::to_string(s.boxes), 11) + pad(std::to_string(s.crowdBoxes), 8) +
                   pad(std::to_string(s.imagesWithoutBoxes), 10) +
                   pad(std::to_string(s.maxBoxesPerImage), 10) + "  " + perClass + "\n";
        }
        out += "\nBoxes per page ";
        for (std::size_t b = 0; b < kBoxesPerImageBinStart.size(); ++b)
            out += pad(boxesPerImageBinLabel(b), 9);
        out += "\n";
        for (const auto& s : r.splits) {
            out += pad(s.name, 15, false);
            for (std::uint64_t n : s.boxesPerImage)
                out += pad(std::to_string(n), 9);
            out += "\n";
        }
        out += "\nImage files: ";
        bool any = false;
        for (const auto& s : r.splits) {
            if (!s.imageFiles.checked)
                continue;
            const auto& f = s.imageFiles;
            out += std::string(any ? "; " : "") + s.name + " " + std::to_string(f.ok) + " ok";
            if (f.missing)
                out += ", " + std::to_string(f.missing) + " missing";
            if (f.unreadable)
                out += ", " + std::to_string(f.unreadable) + " unreadable";
            if (f.notImages)
                out += ", " + std::to_string(f.notImages) + " not PNG/JPEG";
            if (f.sizeMismatches)
                out += ", " + std::to_string(f.sizeMismatches) + " with another size";
            any = true;
        }
        out += any ? "\n" : "not checked\n";
    }
    const std::size_t errors = count(r.problems, Severity::Error),
                      warnings = count(r.problems, Severity::Warning);
    if (!r.problems.empty())
        out += "\n" + formatProblems(r.problems);
    out += "\n";
    out += errors ? "FAILED: " + std::to_string(errors) + " error(s), " + std::to_string(warnings) +
                        " warning(s). Training refuses this dataset until the errors are fixed.\n"
                  : "OK" +
                        (warnings ? ", with " + std::to_string(warnings) + " warning(s)"
                                  : std::string()) +
                        ".\n";
    return out;
}

nlohmann::json datasetReportToJson(const DatasetReport& r) {
    using nlohmann::json;
    json j;
    j["root"] = r.root;
    j["ok"] = !r.hasErrors();
    j["errors"] = count(r.problems, Severity::Error);
    j["warnings"] = count(r.problems, Severity::Warning);
    json cats = json::array();
    for (const auto& c : r.categories)
        cats.push_back({{"id", c.id},
                        {"name", c.name},
                        {"supercategory", c.supercategory},
                        {"is_class", r.classes.isClass(c.id)}});
    j["classes"] = {
        {"names", r.classes.names}, {"num_logits", r.classes.numLogits}, {"categories", cats}};
    json splits = json::array();
    for (const auto& s : r.splits) {
        json perClass = json::object();
        for (const auto& [id, n] : s.boxesPerCategory)
            perClass[std::to_string(id)] = n;
        json hist = json::array();
        for (std::size_t b = 0; b < s.boxesPerImage.size(); ++b)
            hist.push_back({{"boxes", boxesPerImageBinLabel(b)}, {"images", s.boxesPerImage[b]}});
        json files = {{"checked", s.imageFiles.checked}};
        if (s.imageFiles.checked) {
            files["ok"] = s.imageFiles.ok;
            files["missing"] = s.imageFiles.missing;
            files["unreadable"] = s.imageFiles.unreadable;
            files["not_images"] = s.imageFiles.notImages;
            files["size_mismatches"] = s.imageFiles.sizeMismatches;
        }
        splits.push_back({{"name", s.name},
                          {"images", s.images},
                          {"boxes", s.boxes},
                          {"crowd_boxes", s.crowdBoxes},
                          {"images_without_boxes", s.imagesWithoutBoxes},
                          {"max_boxes_per_image", s.maxBoxesPerImage},
                          {"skipped_annotations", s.skippedAnnotations},
                          {"boxes_per_category", perClass},
                          {"boxes_per_image", hist},
                          {"image_files", files}});
    }
    j["splits"] = splits;
    json problems = json::array();
    for (const auto& p : r.problems)
        problems.push_back({{"severity", p.severity == Severity::Error ? "error" : "warning"},
                            {"field", p.field},
                            {"value", p.value},
                            {"message", p.message},
                            {"fix", p.fix}});
    j["problems"] = problems;
    return j;
}

}  // namespace studio
