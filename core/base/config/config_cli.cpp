#include "base/config/config_cli.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"

namespace studio {

namespace {
struct RankFlag {
    const char* name;
    const char* help;
};
const RankFlag kRankFlags[] = {
    {"--rank", "global rank of this process (overrides RANK / SLURM_PROCID)"},
    {"--world-size", "total number of processes (overrides WORLD_SIZE)"},
    {"--local-rank", "rank on this node (overrides LOCAL_RANK)"},
    {"--local-world-size", "processes on this node (overrides LOCAL_WORLD_SIZE)"},
    {"--node-rank", "index of this node"},
    {"--nnodes", "number of nodes"},
    {"--master-addr", "host of rank 0 (overrides MASTER_ADDR)"},
    {"--master-port", "TCP port of the rendezvous store on rank 0 (overrides MASTER_PORT)"},
};
}  // namespace

std::vector<OptionSpec> trainOptionSpecs() {
    std::vector<OptionSpec> specs = {
        {"--config", true, "FILE", "read settings from a JSON file (keys as in --dry-run output)"},
        {"--dry-run", false, "", "resolve and validate the configuration, print it as JSON, and exit"},
        {"--help", false, "", "show this help"},
    };
    for (const auto& f : configFields()) {
        const bool isBool = f.type == FieldType::Bool;
        specs.push_back({f.flag, !isBool, isBool ? "" : "VALUE", f.help});
        for (const auto& a : f.aliases) specs.push_back({a, !isBool, "VALUE", "same as " + f.flag});
    }
    for (const auto& r : kRankFlags) specs.push_back({r.name, true, "N", r.help});
    return specs;
}

TrainCommandLine parseTrainCommandLine(const std::vector<std::string>& args) {
    TrainCommandLine out;
    const ParsedOptions p = parseOptions(args, trainOptionSpecs());
    out.problems = p.problems;
    out.positionals = p.positionals;
    out.help = p.flag("--help");
    out.dryRun = p.flag("--dry-run");
    if (auto c = p.get("--config")) out.sources.configJsonPath = *c;
    // Config flags in field order (aliases included).
    for (const auto& f : configFields()) {
        std::vector<std::string> names = {f.flag};
        names.insert(names.end(), f.aliases.begin(), f.aliases.end());
        for (const auto& n : names) {
            const auto it = p.values.find(n);
            if (it == p.values.end()) continue;
            for (const auto& v : it->second) out.sources.flags.emplace_back(n, v);
        }
    }
    auto intFlag = [&](const char* name, std::optional<int>& dst, int min) {
        const auto v = p.get(name);
        if (!v) return;
        const auto n = parseInteger(*v);
        if (!n || *n < min || *n > 1 << 20)
            out.problems.push_back({Severity::Error, name, *v, "is not a valid number", "see --help"});
        else
            dst = static_cast<int>(*n);
    };
    intFlag("--rank", out.rank.rank, 0);
    intFlag("--world-size", out.rank.worldSize, 1);
    intFlag("--local-rank", out.rank.localRank, 0);
    intFlag("--local-world-size", out.rank.localWorldSize, 1);
    intFlag("--node-rank", out.rank.nodeRank, 0);
    intFlag("--nnodes", out.rank.nnodes, 1);
    intFlag("--master-port", out.rank.masterPort, 1);
    if (auto a = p.get("--master-addr")) out.rank.masterAddr = *a;
    for (const auto& pos : out.positionals)
        out.problems.push_back({Severity::Error, pos, "", "unexpected argument",
                                "options start with -- (e.g. --dataset DIR); see rfdetr-train --help"});
    return out;
}

std::string trainHelpText() {
    std::string out =
        "Usage: rfdetr-train [train] [OPTIONS]\n\n"
        "Trains an RF-DETR detector. Settings come from, lowest to highest precedence: built-in defaults\n"
        "(rfdetr 1.4.1's), --config FILE, the environment variables of train_rfdetr_full.sh (shown in\n"
        "[brackets]), and the options below. --dry-run prints the resolved configuration as JSON.\n"
        "Effective batch = batch_size x grad_accum_steps x number of processes (GPUs).\n\n"
        "General:\n";
    const auto specs = trainOptionSpecs();
    out += formatOptionHelp({specs[0], specs[1], specs[2]});
    // Groups in the order they first appear in the field table; a field listed away from its group's
    // first members still prints under that group's one heading.
    std::vector<std::string> groups;
    for (const auto& f : configFields())
        if (std::find(groups.begin(), groups.end(), f.group) == groups.end()) groups.push_back(f.group);
    for (const auto& group : groups) {
        out += "\n" + group + ":\n";
        for (const auto& f : configFields()) {
            if (f.group != group) continue;
            const bool isBool = f.type == FieldType::Bool;
            std::string help = f.help;
            if (!f.choices.empty()) {
                std::string c;
                for (const auto& x : f.choices) c += (c.empty() ? "" : "|") + x;
                help += " {" + c + "}";
            }
            std::string def = f.get(defaultRunConfig()).dump();
            if (f.key == "resolution") def = "size default";
            if (!f.secret) help += " (default " + def + ")";
            if (!f.envVar.empty()) help += " [" + f.envVar + "]";
            if (isBool) help += " Use --no-" + f.flag.substr(2) + " to turn it off.";
            OptionSpec s{f.flag, !isBool, isBool ? "" : (f.type == FieldType::Path ? "PATH" : "VALUE"), help};
            out += formatOptionHelp({s});
        }
    }
    out += "\nDistributed (normally set by the launcher, torchrun or srun):\n";
    for (const auto& r : kRankFlags) out += formatOptionHelp({{r.name, true, "N", r.help}});
    out += "\nExamples:\n"
           "  rfdetr-train --dataset demo --model-size small --epochs 2 --output-dir runs/demo\n"
           "  NUM_GPUS=4 BATCH_SIZE=16 rfdetr-train --dataset hf:jbarrow/CommonForms --resume auto\n"
           "  rfdetr-train --config runs/demo/config.json --dry-run\n"
           "\nTroubleshooting:\n"
           "  Out of memory: the failed step is discarded, checkpoint.pth keeps the last good state, and the run\n"
           "    exits 1 printing the command (and BATCH_SIZE/GRAD_ACCUM_STEPS) that resumes with half the batch and\n"
           "    twice the accumulation (same effective batch).\n"
           "  Before launching: rfdetr-train plan [these options] predicts peak memory and images/s (--json).\n"
           "  TensorBoard: --serve-tensorboard (port 6006 or the next free one), or rfdetr-train tensorboard DIR.\n";
    return out;
}

std::vector<std::string> toCommandLine(const RunConfig& cfg) {
    std::vector<std::string> out;
    const RunConfig def = defaultRunConfig();
    for (const auto& f : configFields()) {
        if (f.secret) continue;
        const auto v = f.get(cfg);
        if (f.key == "resolution" ? cfg.resolution == 0 : v == f.get(def)) continue;
        if (f.type == FieldType::Bool) {
            out.push_back(v.get<bool>() ? f.flag : "--no-" + f.flag.substr(2));
            continue;
        }
        out.push_back(f.flag);
        if (v.is_string()) {
            out.push_back(v.get<std::string>());
        } else if (v.is_array()) {
            std::string joined;
            for (const auto& e : v) joined += (joined.empty() ? "" : ",") + e.dump();
            out.push_back(joined);
        } else {
            out.push_back(v.dump());
        }
    }
    return out;
}

}  // namespace studio
