#pragma once
// Runs N ranks of a ProcessGroupDist as threads of the test process (Gloo on loopback, a free port), so
// multi-process code is tested in seconds without spawning executables.
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/launch/launcher.h"
#include "train/dist/process_group_dist.h"

namespace studio::train::testing {

inline RankContext rankOf(int rank, int world, int port) {
    RankContext r;
    r.rank = rank;
    r.localRank = rank;
    r.worldSize = world;
    r.localWorldSize = world;
    r.masterAddr = "127.0.0.1";
    r.masterPort = port;
    r.source = LaunchSource::Cli;
    return r;
}

/// Runs `body(rank, dist)` on `world` threads; returns each rank's exception message ("" = none).
inline std::vector<std::string> runRanks(int world, const std::function<void(int, ProcessGroupDist&)>& body,
                                         ProcessGroupOptions options = {}) {
    const int port = findFreePort("127.0.0.1");
    std::vector<std::string> errors(static_cast<std::size_t>(world));
    std::vector<std::thread> threads;
    for (int r = 0; r < world; ++r) {
        threads.emplace_back([&, r] {
            try {
                ProcessGroupDist dist(rankOf(r, world, port), c10::Device(c10::kCPU), options);
                body(r, dist);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(r)] = e.what();
                if (errors[static_cast<std::size_t>(r)].empty()) errors[static_cast<std::size_t>(r)] = "error";
            }
        });
    }
    for (auto& t : threads) t.join();
    return errors;
}

}  // namespace studio::train::testing
