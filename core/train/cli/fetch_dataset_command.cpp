// fetch-dataset: download and verify a Hugging Face dataset into the shared cache, prepare the COCO folder
// the trainer reads (unless --download-only), and print where everything is. No training, no Torch use.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "base/hf/hub_cache.h"
#include "base/hf/hub_token.h"
#include "base/hub_dataset/prepare_hub_dataset.h"
#include "base/log/log.h"
#include "base/parquet/parquet_error.h"
#include "base/util/env.h"
#include "train/cli/commands.h"

namespace studio::train {

namespace {

const std::vector<OptionSpec>& fetchOptions() {
    static const std::vector<OptionSpec> specs = {
        {"--cache-dir", true, "DIR", "cache folder (CACHE_DIR): Hub files as huggingface_hub's cache_dir, the "
                                     "prepared dataset under DIR/hf-datasets (default: the huggingface_hub cache "
                                     "and ~/.cache/rfdetr-studio)"},
        {"--split", true, "NAME", "only this split (repeat or comma-separate; default: all)"},
        {"--download-only", false, "", "download and verify the shards, do not prepare the COCO folder"},
        {"--extract-images", false, "", "write the PNG files into the split folders (a full copy) instead of "
                                        "reading them from the parquet shards"},
        {"--parallel", true, "N", "files downloaded at once (default 4)"},
        {"--retries", true, "N", "attempts per request before giving up on network errors (default 6, with "
                                  "1, 2, 4 ... 30 s pauses)"},
        {"--offline", false, "", "use only the cache, no network (like HF_HUB_OFFLINE=1)"},
        {"--json", false, "", "print the result as one JSON object on stdout"},
        {"--events", false, "", "also publish progress as protocol events (JSON lines) on stdout, for the GUI; "
                                "the summary then goes to stderr"},
        {"--help", false, "", "show this help"},
    };
    return specs;
}

std::string helpText() {
    return "Usage: rfdetr-train fetch-dataset hf:OWNER/NAME[@REVISION] [OPTIONS]\n\n"
           "Downloads the dataset's parquet shards into the huggingface_hub cache (shared with the Python tools;\n"
           "resumes interrupted downloads, verifies SHA-256), then prepares the COCO folder the trainer reads\n"
           "(train/ valid/ test/ with _annotations.coco.json; images stay in the shards). Progress goes to\n"
           "stderr. The token comes from HF_TOKEN or the huggingface token file (hf auth login); HF_ENDPOINT\n"
           "selects another Hub.\n\nOptions:\n" +
           formatOptionHelp(fetchOptions()) +
           "\nExample: rfdetr-train fetch-dataset hf:jbarrow/CommonForms --cache-dir /workspace/cache\n";
}

std::vector<std::string> splitList(const ParsedOptions& o) {
    std::vector<std::string> out;
    const auto it = o.values.find("--split");
    if (it == o.values.end()) return out;
    for (const auto& v : it->second) {
        std::stringstream ss(v);
        std::string s;
        while (std::getline(ss, s, ','))
            if (!s.empty()) out.push_back(s);
    }
    return out;
}

}  // namespace

int runFetchDatasetCommand(const Args& args) {
    const ParsedOptions o = parseOptions(args, fetchOptions());
    if (o.flag("--help")) {
        std::cout << helpText();
        return kExitOk;
    }
    if (!o.problems.empty()) throw UsageError(formatProblems(o.problems) + "see rfdetr-train fetch-dataset --help");
    if (o.positionals.size() != 1)
        throw UsageError("rfdetr-train fetch-dataset: give one dataset, e.g. hf:jbarrow/CommonForms (see --help)");
    const std::string spec = o.positionals[0];
    if (!hf::parseDatasetSpec(spec))
        throw UsageError("rfdetr-train fetch-dataset: '" + spec +
                         "' is not a Hugging Face dataset; write hf:<owner>/<name>[@<revision>]");

    const EnvMap env = environmentSnapshot();
    const std::string cacheDir = o.get("--cache-dir").value_or(envValue(env, "CACHE_DIR").value_or(""));
    hubdata::PrepareOptions po;
    po.fetch.splits = splitList(o);
    po.fetch.offline = o.flag("--offline");
    if (auto p = o.get("--parallel")) {
        po.fetch.parallelFiles = std::atoi(p->c_str());
        if (po.fetch.parallelFiles < 1 || po.fetch.parallelFiles > 64)
            throw UsageError("rfdetr-train fetch-dataset: --parallel must be between 1 and 64");
    }
    if (auto r = o.get("--retries")) {
        po.fetch.retry.maxAttempts = std::atoi(r->c_str());
        if (po.fetch.retry.maxAttempts < 1 || po.fetch.retry.maxAttempts > 100)
            throw UsageError("rfdetr-train fetch-dataset: --retries must be between 1 and 100");
    }
    po.images = o.flag("--extract-images") ? hubdata::HubImageMode::Extract : hubdata::HubImageMode::Index;
    const bool eventsOut = o.flag("--events");
    const hf::ProgressSink progress =
        eventsOut ? hf::combineSinks(hf::eventProgressSink(), hf::terminalProgressSink()) : hf::terminalProgressSink();

    nlohmann::json result;
    try {
        if (o.flag("--download-only")) {
            const auto repo = *hf::parseDatasetSpec(spec);
            hf::HubClientOptions client;
            client.endpoint = hf::hubEndpoint(env);
            if (auto t = hf::findHubToken("", env)) client.token = t->value;
            po.fetch.progress = progress;
            const auto fetched = hf::fetchHubDataset(repo, hf::hubCacheRoot(cacheDir, env), client, po.fetch);
            result = {{"repo", repo.id}, {"commit", fetched.commit}, {"snapshot", fetched.snapshotDir},
                      {"bytes", fetched.totalBytes}, {"downloaded_bytes", fetched.downloadedBytes}};
            for (const auto& f : fetched.files) result["files"][f.split].push_back(f.localPath);
        } else {
            const auto p = hubdata::prepareHubDatasetWith(spec, cacheDir, "", progress, po, env);
            result = {{"repo", p.repo}, {"commit", p.commit}, {"dataset_dir", p.dir}, {"classes", p.classNames},
                      {"images", p.mode == hubdata::HubImageMode::Index ? "read from the parquet shards" : "extracted"},
                      {"reused", p.reused}};
            for (const auto& s : p.splits)
                result["splits"][s.name] = {{"source_split", s.sourceSplit}, {"images", s.images}, {"boxes", s.boxes},
                                            {"shards", s.shards}};
        }
    } catch (const hf::HubError& e) {
        std::fprintf(stderr, "rfdetr-train fetch-dataset: error: %s\n  what to do: %s\n", e.what(), e.fix().c_str());
        return kExitFailure;
    } catch (const parquet::ParquetError& e) {
        std::fprintf(stderr, "rfdetr-train fetch-dataset: error: %s\n", e.what());
        return kExitFailure;
    }

    if (o.flag("--json")) {
        (eventsOut ? std::cerr : std::cout) << result.dump() << "\n";
        return kExitOk;
    }
    std::ostream& os = eventsOut ? std::cerr : std::cout;
    os << result["repo"].get<std::string>() << " at " << result["commit"].get<std::string>() << "\n";
    if (result.contains("snapshot")) {
        os << "  files: " << result["snapshot"].get<std::string>() << "\n";
        for (const auto& [split, files] : result["files"].items())
            os << "  " << split << ": " << files.size() << " parquet shard(s)\n";
    } else {
        os << "  dataset folder: " << result["dataset_dir"].get<std::string>() << "\n";
        for (const auto& [split, s] : result["splits"].items())
            os << "  " << split << "/ (from split " << s["source_split"].get<std::string>() << "): "
                      << s["images"] << " images, " << s["boxes"] << " boxes\n";
        os << "  classes: 1.." << result["classes"].size() << " = ";
        for (std::size_t i = 0; i < result["classes"].size(); ++i)
            os << (i ? ", " : "") << result["classes"][i].get<std::string>();
        os << " (category 0 = forms)\n  train with: rfdetr-train --dataset " << spec << "\n";
    }
    return kExitOk;
}

}  // namespace studio::train
