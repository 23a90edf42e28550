#include "train/dist/thread_ranks.h"

#include <exception>
#include <thread>

#include "base/launch/launcher.h"

namespace studio::train {

RankContext loopbackRank(int rank, int world, int port) {
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

std::vector<std::string> runThreadRanks(int world, const std::function<void(int, ProcessGroupDist&)>& body,
                                        const ProcessGroupOptions& options) {
    const int port = findFreePort("127.0.0.1");
    std::vector<std::string> errors(static_cast<std::size_t>(world));
    std::vector<std::thread> threads;
    for (int r = 0; r < world; ++r) {
        threads.emplace_back([&, r] {
            std::string& error = errors[static_cast<std::size_t>(r)];
            try {
                ProcessGroupDist dist(loopbackRank(r, world, port), c10::Device(c10::kCPU), options);
                body(r, dist);
            } catch (const std::exception& e) {
                error = e.what();
                if (error.empty()) error = "error";
            }
        });
    }
    for (auto& t : threads) t.join();
    return errors;
}

}  // namespace studio::train
