#include "base/coco/validate_dataset_cli.h"

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "base/coco/dataset_validator.h"

namespace studio {

namespace {

const std::vector<OptionSpec>& specs() {
    static const std::vector<OptionSpec> s = {
        {"--json", false, "", "print the report as JSON (summary, classes and every problem)"},
        {"--no-image-check", false, "",
         "do not open the image files (faster; existence, format and size unchecked)"},
        {"--num-queries", true, "N",
         "warn about pages with more boxes than the model's queries (default 300)"},
        {"--threads", true, "N", "threads for the image checks (default: 4 per core, at most 32)"},
        {"--quiet", false, "", "no progress on stderr"},
        {"--help", false, "", "show this help"},
    };
    return s;
}

std::string help() {
    return "Usage: rfdetr-train validate-dataset DIR [OPTIONS]\n\n"
           "Checks a COCO dataset folder in the layout rfdetr reads (DIR/train, DIR/valid and "
           "optionally DIR/test, each\n"
           "with _annotations.coco.json and its images) and prints a summary: images, boxes, boxes "
           "per class, boxes per\n"
           "page, the classes the model will get, and every problem with its file and id.\n\n"
           "Options:\n" +
           formatOptionHelp(specs()) +
           "\nExit codes: 0 no errors (warnings allowed), 1 errors (training would refuse the "
           "dataset), 2 bad usage.\n";
}

bool parsePositive(const std::string& text, int* out) {
    try {
        std::size_t used = 0;
        const int v = std::stoi(text, &used);
        if (used != text.size() || v < 1)
            return false;
        *out = v;
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace

int runValidateDatasetCli(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err) {
    const ParsedOptions opts = parseOptions(args, specs());
    if (opts.flag("--help")) {
        out << help();
        return 0;
    }
    std::vector<Problem> usage = opts.problems;
    if (opts.positionals.size() != 1)
        usage.push_back(
            {Severity::Error, "DIR", "",
             opts.positionals.empty() ? "is missing" : "must be given once",
             "rfdetr-train validate-dataset DIR (the folder holding train/ valid/ test/)"});
    DatasetCheckOptions check;
    check.checkImages = !opts.flag("--no-image-check");
    if (auto q = opts.get("--num-queries"); q && !parsePositive(*q, &check.numQueries))
        usage.push_back({Severity::Error, "--num-queries", *q,
                         "must be a whole number of at least 1", "e.g. --num-queries 300"});
    if (auto t = opts.get("--threads"); t && !parsePositive(*t, &check.threads))
        usage.push_back({Severity::Error, "--threads", *t, "must be a whole number of at least 1",
                         "e.g. --threads 8"});
    if (!usage.empty()) {
        err << "rfdetr-train validate-dataset: " << formatProblems(usage)
            << "(see rfdetr-train validate-dataset --help)\n";
        return 2;
    }
    if (!opts.flag("--quiet")) {
        check.progress = [&err](const std::string& split, std::uint64_t done, std::uint64_t total) {
            err << "\rchecking " << split << " images: " << done << "/" << total
                << (done == total ? "\n" : "") << std::flush;
        };
    }
    const DatasetReport report = validateDataset(opts.positionals.front(), check);
    if (opts.flag("--json"))
        out << datasetReportToJson(report).dump(2, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
            << "\n";
    else
        out << formatDatasetReport(report);
    return report.hasErrors() ? 1 : 0;
}

}  // namespace studio
