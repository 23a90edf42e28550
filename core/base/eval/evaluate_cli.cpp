#include "base/eval/evaluate_cli.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "base/coco/coco_index.h"
#include "base/eval/coco_evaluator.h"
#include "base/eval/detections_json.h"
#include "base/eval/extended_metrics.h"

namespace studio {

namespace {

const std::vector<OptionSpec>& specs() {
    static const std::vector<OptionSpec> s = {
        {"--annotations", true, "GT.json",
         "ground truth: a COCO annotation file (e.g. valid/_annotations.coco.json)"},
        {"--detections", true, "DT.json",
         "results: a JSON array of {image_id, category_id, bbox [x, y, w, h], score}"},
        {"--json", false, "",
         "print {\"stats\": [12 numbers], \"per_class\": {\"<category id>\": AP}}"},
        {"--max-dets", true, "A,B,C",
         "detections kept per image (default 1,10,100; rfdetr trains with 1,10,500)"},
        {"--extended", false, "",
         "also print rfdetr's results.json metrics (AP, AP50, precision/recall/F1 at the best "
         "macro-F1 threshold)"},
        {"--help", false, "", "show this help"},
    };
    return s;
}

std::string help() {
    return "Usage: rfdetr-train evaluate --annotations GT.json --detections DT.json [OPTIONS]\n\n"
           "COCO bbox evaluation with pycocotools' exact semantics (COCOeval, iouType bbox): "
           "prints the 12 standard\n"
           "numbers as pycocotools' summarize() does, then AP@[.50:.95] per category. With "
           "--max-dets other than\n"
           "1,10,100, AP uses the third value (rfdetr's patched summarize).\n\n"
           "Options:\n" +
           formatOptionHelp(specs()) +
           "\nExit codes: 0 done, 1 unusable input files, 2 bad usage.\n";
}

bool parseMaxDets(const std::string& text, std::vector<int>* out) {
    std::stringstream ss(text);
    std::string item;
    out->clear();
    while (std::getline(ss, item, ',')) {
        try {
            std::size_t used = 0;
            const int v = std::stoi(item, &used);
            if (used != item.size() || v < 1)
                return false;
            out->push_back(v);
        } catch (...) {
            return false;
        }
    }
    return out->size() >= 3;
}

std::string apText(double v) {
    if (v < 0)
        return "    -";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

}  // namespace

int runEvaluateCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const ParsedOptions opts = parseOptions(args, specs());
    if (opts.flag("--help")) {
        out << help();
        return 0;
    }
    std::vector<Problem> usage = opts.problems;
    for (const std::string& p : opts.positionals)
        usage.push_back({Severity::Error, p, "", "unexpected argument",
                         "give the files with --annotations and --detections"});
    const auto gtPath = opts.get("--annotations"), dtPath = opts.get("--detections");
    if (!gtPath)
        usage.push_back({Severity::Error, "--annotations", "", "is missing",
                         "--annotations valid/_annotations.coco.json"});
    if (!dtPath)
        usage.push_back(
            {Severity::Error, "--detections", "", "is missing", "--detections detections.json"});
    EvalParams params;
    if (auto m = opts.get("--max-dets"); m && !parseMaxDets(*m, &params.maxDets))
        usage.push_back({Severity::Error, "--max-dets", *m,
                         "must be at least 3 whole numbers of 1 or more",
                         "e.g. --max-dets 1,10,100"});
    if (!usage.empty()) {
        err << "rfdetr-train evaluate: " << formatProblems(usage)
            << "(see rfdetr-train evaluate --help)\n";
        return 2;
    }
    std::vector<Problem> gtProblems, dtProblems;
    CocoIndex gt;
    std::vector<Detection> detections;
    try {
        gt = CocoIndex::load(*gtPath, &gtProblems);
        detections = loadDetectionsJson(*dtPath, dtProblems);
    } catch (const std::runtime_error& e) {
        err << "rfdetr-train evaluate: " << e.what() << "\n";
        return 1;
    }
    // Ground-truth problems pycocotools would not mind are notes; a file that is not COCO stops
    // here.
    bool gtUnusable = false;
    for (const Problem& p : gtProblems)
        gtUnusable = gtUnusable || p.message.rfind("malformed JSON", 0) == 0 ||
                     p.message.rfind("cannot be read", 0) == 0 ||
                     p.message.find("not a JSON object") != std::string::npos;
    if (!gtProblems.empty())
        err << "rfdetr-train evaluate: notes on " << *gtPath << ":\n" << formatProblems(gtProblems);
    if (gtUnusable || hasErrors(dtProblems)) {
        if (!dtProblems.empty())
            err << "rfdetr-train evaluate: " << formatProblems(dtProblems);
        err << "rfdetr-train evaluate: nothing was evaluated.\n";
        return 1;
    }
    if (detections.empty())
        err << "rfdetr-train evaluate: " << *dtPath
            << " holds no detections; every AP is 0 (pycocotools would refuse the file).\n";
    EvalResult result;
    try {
        result = CocoEvaluator(gt).evaluate(detections, params);
    } catch (const std::invalid_argument& e) {
        err << "rfdetr-train evaluate: " << *dtPath << ": " << e.what() << "\n";
        return 1;
    }
    if (opts.flag("--json")) {
        nlohmann::json j;
        j["stats"] = std::vector<double>(result.stats.begin(), result.stats.end());
        nlohmann::json perClass = nlohmann::json::object();
        for (std::size_t k = 0; k < result.numK(); ++k)
            perClass[std::to_string(result.categoryIds[k])] = result.perClassAP[k];
        j["per_class"] = perClass;
        if (opts.flag("--extended"))
            j["results"] = extendedMetricsToJson(computeExtendedMetrics(result, gt.categories()));
        out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return 0;
    }
    out << result.summaryText() << "\nAP@[.50:.95] per category (area all, maxDets "
        << result.maxDets[2] << "):\n";
    for (std::size_t k = 0; k < result.numK(); ++k) {
        std::string name;
        for (const auto& c : gt.categories())
            if (c.id == result.categoryIds[k])
                name = c.name;
        out << "  " << apText(result.perClassAP[k]) << "  " << result.categoryIds[k] << " " << name
            << "\n";
    }
    if (opts.flag("--extended"))
        out << "\n"
            << extendedMetricsToJson(computeExtendedMetrics(result, gt.categories()))
                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
    return 0;
}

}  // namespace studio
