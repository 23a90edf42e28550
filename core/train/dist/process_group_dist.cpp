#include "train/dist/process_group_dist.h"

// ProcessGroupGloo.hpp is empty without USE_C10D_GLOO. Debian's Torch config exports it; a pip LibTorch's may
// not, although its libtorch_cpu is built with Gloo (the CMake side found the bundled Gloo headers).
#if defined(STUDIO_HAVE_GLOO) && !defined(USE_C10D_GLOO)
#define USE_C10D_GLOO 1
#endif

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(STUDIO_HAVE_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(USE_C10D_NCCL)
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>

#include "train/dist/grad_buckets.h"
#include "train/dist/overlapped_grad_sync.h"

namespace studio::train {

namespace {

// LibTorch 2.x split the process groups into backends behind a dispatching ProcessGroup; the backend
// objects keep 1.13's collective calls, so this file talks to them directly.
#if TORCH_VERSION_MAJOR >= 2
using PgBase = c10d::Backend;
#else
using PgBase = c10d::ProcessGroup;
#endif

using Clock = std::chrono::steady_clock;

std::string endpoint(const RankContext& r) { return r.masterAddr + ":" + std::to_string(r.masterPort); }

bool isLoopback(const std::string& host) {
    return host.rfind("127.", 0) == 0 || host == "localhost" || host == "::1";
}

std::string firstLine(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define STUDIO_TCPSTORE_LIBUV 1  // TCPStoreOptions::useLibUV, true by default
#endif

/// The store, on LibTorch 2.4+ with its default libuv backend unless USE_LIBUV=0 (as torchrun reads it) or
/// the LibTorch was built without libuv (Debian's: "use_libuv was requested but PyTorch was build without
/// libuv support"), where the classic backend serves the same protocol.
c10::intrusive_ptr<c10d::TCPStore> makeStore(const std::string& host, c10d::TCPStoreOptions so) {
#ifdef STUDIO_TCPSTORE_LIBUV
    if (const char* env = std::getenv("USE_LIBUV"); env && std::string(env) == "0") so.useLibUV = false;
    if (so.useLibUV) {
        try {
            return c10::make_intrusive<c10d::TCPStore>(host, so);
        } catch (const std::exception& e) {
            if (std::string(e.what()).find("libuv") == std::string::npos) throw;
            so.useLibUV = false;
        }
    }
#endif
    return c10::make_intrusive<c10d::TCPStore>(host, so);
}

/// Rank 0 serves the store; everybody connects and waits for the whole world.
c10::intrusive_ptr<c10d::Store> rendezvous(const RankContext& r, std::chrono::milliseconds timeout) {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(r.masterPort);
    so.isServer = r.rank == 0;
    so.numWorkers = static_cast<std::size_t>(r.worldSize);
    // checkWorld waits for every rank itself and names the missing ones; the store's own wait (2.x) would
    // time out in the constructor with only a count.
    so.waitWorkers = false;
    so.timeout = timeout;
    const auto seconds = std::to_string(timeout.count() / 1000);
    try {
        return makeStore(r.masterAddr, so);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        if (r.rank == 0 && (what.find("in use") != std::string::npos || what.find("bind") != std::string::npos))
            throw DistInitError("rank 0 cannot serve the rendezvous on " + endpoint(r) +
                                    " (MASTER_ADDR:MASTER_PORT): the port is in use or the address is not local (" +
                                    firstLine(what) + ")",
                                "set MASTER_PORT to a free port (or leave it unset so the launcher picks one), and "
                                "MASTER_ADDR to an address of rank 0's node");
        if (r.rank == 0)
            throw DistInitError("not every rank arrived at the rendezvous on " + endpoint(r) + " within " + seconds +
                                    " s (WORLD_SIZE " + std::to_string(r.worldSize) + "): " + firstLine(what),
                                "start all " + std::to_string(r.worldSize) +
                                    " processes with the same MASTER_ADDR/MASTER_PORT, or raise --dist-timeout");
        throw DistInitError("rank " + std::to_string(r.rank) + " could not reach the rendezvous of rank 0 on " +
                                endpoint(r) + " within " + seconds + " s: " + firstLine(what),
                            "start rank 0 (on MASTER_ADDR) too, check that MASTER_ADDR/MASTER_PORT are the same for "
                            "every process and reachable (firewall), or raise --dist-timeout");
    }
}

std::vector<std::uint8_t> bytesOf(const std::string& s) { return {s.begin(), s.end()}; }

/// Every rank must claim a distinct rank and agree on the world size; found at once instead of a hang later.
void checkWorld(c10d::Store& store, const RankContext& r, std::chrono::milliseconds timeout) {
    const std::string me = "studio/rank" + std::to_string(r.rank);
    if (store.add(me + "/claims", 1) > 1)
        throw DistInitError("two processes claim RANK " + std::to_string(r.rank) + " in the run on " + endpoint(r),
                            "give every process its own RANK (0 .. WORLD_SIZE-1); a second run needs another "
                            "MASTER_PORT");
    store.set(me + "/world", bytesOf(std::to_string(r.worldSize)));
    auto key = [](int k) { return "studio/rank" + std::to_string(k) + "/world"; };
    auto seenKey = [](int k) { return "studio/rank" + std::to_string(k) + "/saw_rank0"; };
    auto agree = [&](int k) {
        const auto v = store.get(key(k));
        if (k == 0 && r.rank != 0) store.set(seenKey(r.rank), bytesOf("1"));
        const std::string theirs(v.begin(), v.end());
        if (theirs != std::to_string(r.worldSize)) {
            // Rank 0 serves the store: before it goes (and takes the store with it), let rank k read rank 0's
            // world size so that it reports the same mismatch instead of a broken connection.
            if (r.rank == 0) {
                try {
                    store.wait({seenKey(k)}, std::min(timeout, std::chrono::milliseconds(10000)));
                } catch (const std::exception&) {
                }
            }
            throw DistInitError("rank " + std::to_string(k) + " was started with WORLD_SIZE " + theirs + " but rank " +
                                    std::to_string(r.rank) + " with " + std::to_string(r.worldSize) + " (" +
                                    endpoint(r) + ")",
                                "start every process with the same WORLD_SIZE (nnodes x nproc_per_node)");
        }
    };
    std::vector<std::string> keys;
    for (int k = 0; k < r.worldSize; ++k) keys.push_back(key(k));
    try {
        store.wait({key(0)}, timeout);
        agree(0);  // rank 0's view first: a mismatch is reported at once, not after a timeout
        store.wait(keys, timeout);
    } catch (const DistInitError&) {
        throw;
    } catch (const std::exception& e) {
        std::string missing;
        for (int k = 0; k < r.worldSize; ++k) {
            if (!store.check({key(k)})) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
        }
        throw DistInitError("not every rank arrived at the rendezvous on " + endpoint(r) + " within " +
                                std::to_string(timeout.count() / 1000) + " s (WORLD_SIZE " +
                                std::to_string(r.worldSize) + "; missing rank(s): " + missing + "; " +
                                firstLine(e.what()) + ")",
                            "start all " + std::to_string(r.worldSize) +
                                " processes with the same MASTER_ADDR/MASTER_PORT (WORLD_SIZE must equal the "
                                "number of processes: check --nnodes / --nproc-per-node), or raise --dist-timeout");
    }
    for (int k = 1; k < r.worldSize; ++k) agree(k);
}

}  // namespace

std::string processGroupUnavailableReason(c10::Device device) {
    if (device.is_cuda()) {
#if defined(USE_C10D_NCCL)
        return "";
#else
        return "this rfdetr-train was built without NCCL, so it cannot train on several GPUs; build it against a "
               "CUDA LibTorch with nccl.h (see README, GPU build)";
#endif
    }
#if defined(STUDIO_HAVE_GLOO)
    return "";
#else
    return "this rfdetr-train was built without the Gloo headers, so it cannot run several CPU processes; install "
           "libgloo-dev and rebuild";
#endif
}

struct ProcessGroupDist::Impl {
    RankContext rank;
    c10::Device device{c10::kCPU};
    ProcessGroupOptions options;
    std::chrono::milliseconds timeout{0};
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<PgBase> pg;
    std::string backend;
    DistTimings timings;

    at::TensorOptions on(at::ScalarType t) const { return at::TensorOptions().dtype(t).device(device); }

    /// Starts the in-place sum of `flat` over the ranks; the returned function waits for it. With
    /// `compress` (gradients) the sum travels in options.gradCompression's precision: bf16 as is, fp16
    /// scaled by 1/world first and back after (DDP's fp16_compress_hook), so the sum cannot overflow.
    OverlappedGradSync::Wait launchSum(at::Tensor& flat, bool compress) {
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        const GradCompression c = compress ? options.gradCompression : GradCompression::None;
        if (c == GradCompression::None) {
            std::vector<at::Tensor> one{flat};
            auto work = pg->allreduce(one, o);
            return [work] { work->wait(); };
        }
        const double world = static_cast<double>(rank.worldSize);
        at::Tensor half = c == GradCompression::Fp16 ? (flat / world).to(at::kHalf) : flat.to(at::kBFloat16);
        std::vector<at::Tensor> one{half};
        auto work = pg->allreduce(one, o);
        return [work, half, flat, c, world]() mutable {
            work->wait();
            flat.copy_(half);
            if (c == GradCompression::Fp16) flat.mul_(world);
        };
    }

    /// Sums (or averages: gradients, compressed as configured) `tensors` in place through flattened
    /// buckets, all in flight at once.
    void reduceBuckets(std::vector<at::Tensor>& tensors, bool average) {
        if (tensors.empty()) return;
        const auto buckets = planBuckets(tensors, options.bucketBytes);
        std::vector<at::Tensor> flats;
        std::vector<OverlappedGradSync::Wait> waits;
        flats.reserve(buckets.size());
        for (const auto& b : buckets) flats.push_back(flattenBucket(tensors, b));
        for (auto& flat : flats) waits.push_back(launchSum(flat, average));
        for (auto& w : waits) w();
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            if (average) flats[i].div_(static_cast<double>(rank.worldSize));
            unflattenBucket(flats[i], tensors, buckets[i]);
        }
    }

    /// Refuses a compression the backend cannot sum, before any training: one small all-reduce in that
    /// precision (every rank has the same options, so every rank fails the same way, locally).
    void checkCompression() {
        if (options.gradCompression == GradCompression::None) return;
        const bool bf16 = options.gradCompression == GradCompression::Bf16;
        // Whether the backend sums a precision: "" or why not. The refusal is the backend's local type check,
        // the same on every rank, so all ranks take the same path through these collectives.
        const auto refusal = [&](at::ScalarType t) -> std::string {
            try {
                std::vector<at::Tensor> one{at::ones({2}, on(t))};
                c10d::AllreduceOptions o;
                pg->allreduce(one, o)->wait();
                return "";
            } catch (const std::exception& e) {
                return firstLine(e.what());
            }
        };
        const at::ScalarType t = bf16 ? at::kBFloat16 : at::kHalf;
        const std::string why = refusal(t);
        if (why.empty()) return;
        // Gloo sums fp16 only in LibTorch 1.13, both in Debian's 2.6, neither in Debian's 2.14: offer the other
        // precision only where it works.
        const char* other = bf16 ? "fp16" : "bf16";
        const bool otherWorks = refusal(bf16 ? at::kHalf : at::kBFloat16).empty();
        throw DistInitError(std::string("--grad-compression ") + nameOf(options.gradCompression) + ": " + backend +
                                " in this LibTorch (" + TORCH_VERSION + ") cannot all-reduce " + c10::toString(t) +
                                " tensors (" + why + ")",
                            otherWorks ? std::string("use --grad-compression ") + other + ", or none (exact fp32)"
                                       : std::string("use --grad-compression none (exact fp32)"));
    }
};

ProcessGroupDist::ProcessGroupDist(const RankContext& rank, c10::Device device, const ProcessGroupOptions& options)
    : m(std::make_unique<Impl>()) {
    m->rank = rank;
    m->device = device;
    m->options = options;
    m->timeout = std::chrono::milliseconds(static_cast<long long>(std::max(1, options.timeoutS)) * 1000);
    if (const std::string why = processGroupUnavailableReason(device); !why.empty())
        throw DistInitError(why, "train with one process (--num-gpus 1 / --nproc-per-node 1)");
    auto tcp = rendezvous(rank, m->timeout);
    checkWorld(*tcp, rank, m->timeout);
    m->store = c10::make_intrusive<c10d::PrefixStore>("default_pg", tcp);
    try {
        if (device.is_cuda()) {
#if defined(USE_C10D_NCCL)
            c10::cuda::set_device(device.index());
            auto o = c10d::ProcessGroupNCCL::Options::create();
            o->timeout = m->timeout;
            m->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(m->store, rank.rank, rank.worldSize, o);
            m->backend = "nccl";
#endif
        } else {
#if defined(STUDIO_HAVE_GLOO)
            auto o = c10d::ProcessGroupGloo::Options::create(m->timeout);
            const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
            if (ifname && *ifname)
                o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
            else if (isLoopback(rank.masterAddr))
                o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(rank.masterAddr));
            else
                o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            o->threads = std::max(1, options.glooThreads);
            m->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(m->store, rank.rank, rank.worldSize, o);
            m->backend = "gloo";
#endif
        }
        barrier();  // NCCL creates its communicator lazily: fail here, before any training starts
        m->checkCompression();
    } catch (const DistInitError&) {
        throw;
    } catch (const std::exception& e) {
        throw DistInitError("rank " + std::to_string(rank.rank) + " could not set up " +
                                (device.is_cuda() ? "NCCL" : "Gloo") + " with the other ranks (" + endpoint(rank) +
                                "): " + firstLine(e.what()),
                            device.is_cuda()
                                ? "check that every rank sees its own GPU (nvidia-smi, CUDA_VISIBLE_DEVICES), and "
                                  "run with NCCL_DEBUG=INFO for details; NCCL_P2P_DISABLE=1 helps on some PCIe boxes"
                                : "set GLOO_SOCKET_IFNAME to the network interface that connects the nodes");
    }
}

ProcessGroupDist::~ProcessGroupDist() {
#if defined(USE_C10D_NCCL) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
    // NCCL communicators must be torn down before static destruction (gpu-machine.md: exit segfault).
    if (m && m->pg && m->backend == "nccl") {
        try {
            static_cast<c10d::ProcessGroupNCCL*>(m->pg.get())->shutdown();
        } catch (...) {
        }
    }
#endif
}

int ProcessGroupDist::rank() const { return m->rank.rank; }
int ProcessGroupDist::worldSize() const { return m->rank.worldSize; }
const DistTimings& ProcessGroupDist::timings() const { return m->timings; }
std::string ProcessGroupDist::backendName() const { return m->backend; }
GradCompression ProcessGroupDist::gradCompression() const { return m->options.gradCompression; }

void ProcessGroupDist::allReduceSum(std::vector<at::Tensor>& tensors) {
    at::NoGradGuard noGrad;
    m->reduceBuckets(tensors, false);
}

void ProcessGroupDist::averageGradients(const std::vector<at::Tensor>& params) {
    const auto start = Clock::now();
    at::NoGradGuard noGrad;
    // Which parameters have a gradient on any rank (one small collective): a gradient missing here but
    // present elsewhere counts as zero, as in DDP with find_unused_parameters.
    std::vector<float> mine(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) mine[i] = params[i].grad().defined() ? 1.f : 0.f;
    at::Tensor mask = at::tensor(mine, at::kFloat).to(m->device);
    std::vector<at::Tensor> one{mask};
    c10d::AllreduceOptions o;
    m->pg->allreduce(one, o)->wait();
    const at::Tensor any = mask.cpu();
    const float* anyPtr = any.data_ptr<float>();
    std::vector<at::Tensor> grads;
    long long bytes = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (anyPtr[i] < 0.5f) continue;
        at::Tensor p = params[i];
        if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
        grads.push_back(p.grad());
        bytes += static_cast<long long>(p.grad().numel()) * p.grad().element_size();
    }
    m->reduceBuckets(grads, true);
    m->timings.gradientSyncS += std::chrono::duration<double>(Clock::now() - start).count();
    m->timings.gradientBytes += bytes;
    ++m->timings.gradientSyncs;
}

std::shared_ptr<GradientSync> ProcessGroupDist::makeGradientSync(const std::vector<at::Tensor>& params) {
    const char* env = std::getenv("STUDIO_GRAD_OVERLAP");
    if (env && std::string(env) == "0") return nullptr;
    Impl* impl = m.get();
    return std::make_shared<OverlappedGradSync>(params, m->options.bucketBytes, worldSize(),
                                                [impl](at::Tensor& flat, bool gradients) {
                                                    return impl->launchSum(flat, gradients);
                                                });
}

double ProcessGroupDist::sumOverRanks(double value) {
    std::vector<at::Tensor> one{at::full({1}, value, m->on(at::kDouble))};
    c10d::AllreduceOptions o;
    m->pg->allreduce(one, o)->wait();
    return one.front().item<double>();
}

void ProcessGroupDist::barrier() { sumOverRanks(0.0); }

void ProcessGroupDist::broadcast(std::vector<at::Tensor>& tensors, int root) {
    if (tensors.empty()) return;
    at::NoGradGuard noGrad;
    const auto buckets = planBuckets(tensors, m->options.bucketBytes);
    for (const auto& b : buckets) {
        std::vector<at::Tensor> flat{flattenBucket(tensors, b).to(m->device)};
        c10d::BroadcastOptions o;
        o.rootRank = root;
        m->pg->broadcast(flat, o)->wait();
        if (rank() != root) unflattenBucket(flat.front(), tensors, b);
    }
}

std::vector<std::string> ProcessGroupDist::allGather(const std::string& bytes) {
    const int world = worldSize();
    auto gather = [&](const at::Tensor& in) {
        std::vector<std::vector<at::Tensor>> out(1);
        for (int k = 0; k < world; ++k) out[0].push_back(at::empty_like(in));
        std::vector<at::Tensor> input{in};
        m->pg->allgather(out, input)->wait();
        return out[0];
    };
    const auto lengths = gather(at::full({1}, static_cast<std::int64_t>(bytes.size()), m->on(at::kLong)));
    std::int64_t longest = 1;
    std::vector<std::int64_t> sizes;
    for (const auto& l : lengths) {
        sizes.push_back(l.item<std::int64_t>());
        longest = std::max(longest, sizes.back());
    }
    at::Tensor mine = at::zeros({longest}, at::kByte);
    std::copy(bytes.begin(), bytes.end(), mine.data_ptr<std::uint8_t>());
    const auto all = gather(mine.to(m->device));
    std::vector<std::string> result;
    for (int k = 0; k < world; ++k) {
        const at::Tensor host = all[static_cast<std::size_t>(k)].cpu();
        const auto* p = host.data_ptr<std::uint8_t>();
        result.emplace_back(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sizes[static_cast<std::size_t>(k)]));
    }
    return result;
}

}  // namespace studio::train
