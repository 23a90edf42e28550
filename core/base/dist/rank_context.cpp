#include "base/dist/rank_context.h"

#include <cctype>

#include "base/config/config_fields.h"

namespace studio {

const char* nameOf(LaunchSource s) {
    switch (s) {
        case LaunchSource::Cli: return "cli";
        case LaunchSource::Torchrun: return "torchrun";
        case LaunchSource::Slurm: return "slurm";
        case LaunchSource::Launcher: return "launcher";
        case LaunchSource::Single: return "single";
    }
    return "single";
}

namespace {

struct Reader {
    const EnvMap& env;
    std::vector<Problem>& problems;

    std::optional<int> integer(const std::string& name, int min) {
        const auto v = envValue(env, name);
        if (!v || v->empty()) return std::nullopt;
        const auto n = parseInteger(*v);
        if (!n || *n < min || *n > 1 << 20) {
            problems.push_back({Severity::Error, name, *v,
                                "is not a valid " + std::string(min == 0 ? "index" : "count"),
                                "check the launcher that set it (torchrun, srun) or unset it"});
            return std::nullopt;
        }
        return static_cast<int>(*n);
    }
};

bool slurmJobIsInteractive(const EnvMap& env) {
    const auto name = envValue(env, "SLURM_JOB_NAME");
    return name && (*name == "bash" || *name == "interactive");
}

}  // namespace

std::string slurmFirstHost(const std::string& nodeList) {
    // Take the first comma/space-separated entry, keeping bracket groups together.
    std::string first;
    int depth = 0;
    for (char c : nodeList) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (depth == 0 && (c == ',' || c == ' ')) {
            if (!first.empty()) break;
            continue;
        }
        first += c;
    }
    const auto lb = first.find('[');
    if (lb == std::string::npos) return first;
    const std::string prefix = first.substr(0, lb);
    std::string range = first.substr(lb + 1);
    const auto rb = range.find(']');
    if (rb != std::string::npos) range = range.substr(0, rb);
    // First number of "05-09,12".
    std::string num;
    for (char c : range) {
        if (c == '-' || c == ',') break;
        num += c;
    }
    return prefix + num;
}

RankResolution resolveRankContext(const EnvMap& env, const RankOverrides& ov) {
    RankResolution res;
    RankContext& ctx = res.context;
    Reader r{env, res.problems};

    if (auto f = envValue(env, "TORCHELASTIC_ERROR_FILE")) ctx.errorFile = *f;
    if (auto a = envValue(env, "MASTER_ADDR"); a && !a->empty()) ctx.masterAddr = *a;
    if (auto p = r.integer("MASTER_PORT", 1)) ctx.masterPort = *p;
    if (ctx.masterPort > 65535) {
        res.problems.push_back({Severity::Error, "MASTER_PORT", std::to_string(ctx.masterPort),
                                "is not a TCP port", "use a free port between 1024 and 65535"});
    }

    const bool torchrun = envValue(env, "RANK") || envValue(env, "WORLD_SIZE") ||
                          envValue(env, "TORCHELASTIC_RUN_ID") || envValue(env, "LOCAL_RANK");
    const bool slurm = envValue(env, "SLURM_PROCID").has_value() && !slurmJobIsInteractive(env);

    if (torchrun) {
        ctx.source = LaunchSource::Torchrun;
        const auto rank = r.integer("RANK", 0);
        const auto world = r.integer("WORLD_SIZE", 1);
        if (!rank && !envValue(env, "RANK"))
            res.problems.push_back({Severity::Error, "RANK", "", "is missing while other torchrun variables are set",
                                    "launch with torchrun (which sets RANK, WORLD_SIZE, LOCAL_RANK) or unset them"});
        if (!world && !envValue(env, "WORLD_SIZE"))
            res.problems.push_back({Severity::Error, "WORLD_SIZE", "", "is missing while RANK is set",
                                    "launch with torchrun, or set WORLD_SIZE to the total number of processes"});
        ctx.rank = rank.value_or(0);
        ctx.worldSize = world.value_or(1);
        ctx.localRank = r.integer("LOCAL_RANK", 0).value_or(ctx.rank);
        ctx.localWorldSize = r.integer("LOCAL_WORLD_SIZE", 1).value_or(ctx.worldSize);
        ctx.nodeRank = r.integer("GROUP_RANK", 0).value_or(ctx.rank / std::max(1, ctx.localWorldSize));
        ctx.nnodes = std::max(1, ctx.worldSize / std::max(1, ctx.localWorldSize));
    } else if (slurm) {
        ctx.source = LaunchSource::Slurm;
        ctx.rank = r.integer("SLURM_PROCID", 0).value_or(0);
        ctx.worldSize = r.integer("SLURM_NTASKS", 1).value_or(1);
        ctx.localRank = r.integer("SLURM_LOCALID", 0).value_or(0);
        ctx.nodeRank = r.integer("SLURM_NODEID", 0).value_or(0);
        ctx.nnodes = r.integer("SLURM_NNODES", 1).value_or(1);
        ctx.localWorldSize = std::max(1, ctx.worldSize / std::max(1, ctx.nnodes));
        if (auto tpn = envValue(env, "SLURM_NTASKS_PER_NODE")) {
            if (auto n = parseInteger(tpn->substr(0, tpn->find('('))); n && *n > 0) ctx.localWorldSize = int(*n);
        }
        if (!envValue(env, "MASTER_ADDR")) {
            auto list = envValue(env, "SLURM_JOB_NODELIST");
            if (!list) list = envValue(env, "SLURM_NODELIST");
            if (list && !list->empty()) ctx.masterAddr = slurmFirstHost(*list);
        }
        if (!envValue(env, "MASTER_PORT")) {
            ctx.masterPort = 12910;
            if (auto job = envValue(env, "SLURM_JOB_ID"); job && job->size() >= 1) {
                const std::string tail = job->size() > 4 ? job->substr(job->size() - 4) : *job;
                if (auto n = parseInteger(tail)) ctx.masterPort = 15000 + static_cast<int>(*n);
            }
        }
    } else {
        ctx.source = LaunchSource::Single;
    }

    if (ov.any()) {
        ctx.source = LaunchSource::Cli;
        if (ov.rank) ctx.rank = *ov.rank;
        if (ov.worldSize) ctx.worldSize = *ov.worldSize;
        if (ov.localRank) ctx.localRank = *ov.localRank;
        else if (ov.rank) ctx.localRank = *ov.rank % std::max(1, ov.localWorldSize.value_or(ctx.worldSize));
        if (ov.localWorldSize) ctx.localWorldSize = *ov.localWorldSize;
        else if (ov.worldSize && !ov.nnodes) ctx.localWorldSize = *ov.worldSize;
        if (ov.nnodes) ctx.nnodes = *ov.nnodes;
        if (ov.nodeRank) ctx.nodeRank = *ov.nodeRank;
        if (ov.masterAddr) ctx.masterAddr = *ov.masterAddr;
        if (ov.masterPort) ctx.masterPort = *ov.masterPort;
    }

    if (ctx.worldSize < 1) ctx.worldSize = 1;
    if (ctx.rank >= ctx.worldSize) {
        res.problems.push_back({Severity::Error, ctx.source == LaunchSource::Slurm ? "SLURM_PROCID" : "RANK",
                                std::to_string(ctx.rank),
                                "is not below the world size " + std::to_string(ctx.worldSize),
                                "ranks run from 0 to WORLD_SIZE-1; check the launcher's settings"});
    }
    if (ctx.localRank >= ctx.localWorldSize && ctx.localWorldSize > 0) {
        res.problems.push_back({Severity::Error, "LOCAL_RANK", std::to_string(ctx.localRank),
                                "is not below LOCAL_WORLD_SIZE " + std::to_string(ctx.localWorldSize),
                                "check the launcher's --nproc-per-node"});
    }
    return res;
}

EnvMap workerEnvironment(const RankContext& launcher, int localRank, int localWorldSize) {
    EnvMap env;
    const int world = localWorldSize * std::max(1, launcher.nnodes);
    const int rank = launcher.nodeRank * localWorldSize + localRank;
    env["RANK"] = std::to_string(rank);
    env["LOCAL_RANK"] = std::to_string(localRank);
    env["WORLD_SIZE"] = std::to_string(world);
    env["LOCAL_WORLD_SIZE"] = std::to_string(localWorldSize);
    env["GROUP_RANK"] = std::to_string(launcher.nodeRank);
    env["ROLE_RANK"] = std::to_string(rank);
    env["ROLE_WORLD_SIZE"] = std::to_string(world);
    env["MASTER_ADDR"] = launcher.masterAddr;
    env["MASTER_PORT"] = std::to_string(launcher.masterPort);
    return env;
}

}  // namespace studio
