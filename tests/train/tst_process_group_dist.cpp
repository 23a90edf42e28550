// ProcessGroupDist on Gloo with 2 ranks as threads: the collectives, bucketed gradient averaging (a
// gradient missing on one rank counts as zero), the initial broadcast, and the rendezvous failures that
// must end in a clear error instead of a hang (port in use, a rank that never arrives, WORLD_SIZE mismatch).
// Torch before Qt: Qt's `slots` macro breaks Torch's headers.
#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "base/launch/launcher.h"
#include "dist_test_support.h"
#include "train/dist/grad_buckets.h"
#include "train/dist/model_broadcast.h"
#include "train/dist/overlapped_grad_sync.h"

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;

namespace {
double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
// Checks inside rank threads throw (QTest's macros belong to the main thread); runRanks reports them.
void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("check failed: ") + what);
}
}  // namespace

class TstProcessGroupDist : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(1); }

    void bucketsRespectCapDtypeAndOrder() {
        std::vector<at::Tensor> ts{at::ones({10}), at::ones({10}), at::ones({30}), at::ones({5}, at::kDouble),
                                   at::ones({2})};
        const auto b = planBuckets(ts, 100);  // 100 bytes = 25 floats
        QCOMPARE(b.size(), size_t(4));
        QCOMPARE(b[0], (GradBucket{0, 1}));
        QCOMPARE(b[1], (GradBucket{2}));   // larger than the cap: alone
        QCOMPARE(b[2], (GradBucket{3}));   // another dtype
        QCOMPARE(b[3], (GradBucket{4}));
        std::vector<at::Tensor> grads{at::arange(6, at::kFloat).view({2, 3}), at::arange(4, at::kFloat) + 10};
        const GradBucket all{0, 1};
        at::Tensor flat = flattenBucket(grads, all);
        QCOMPARE(flat.numel(), int64_t(10));
        flat.mul_(2);
        unflattenBucket(flat, grads, all);
        QCOMPARE(grads[0][1][2].item<float>(), 10.f);
        QCOMPARE(grads[1][3].item<float>(), 26.f);
    }

    void collectivesAgreeOverTwoRanks() {
        std::vector<double> sums(2);
        std::vector<std::vector<std::string>> gathered(2);
        std::vector<at::Tensor> reduced(2), broadcasted(2);
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            check(d.rank() == r && d.worldSize() == 2, "rank and world");
            check(d.backendName() == "gloo", "gloo backend");
            sums[r] = d.sumOverRanks(r == 0 ? 1.5 : 40.0);
            gathered[r] = d.allGather(r == 0 ? std::string("rank zero \0 bytes", 17) : std::string());
            std::vector<at::Tensor> t{at::full({3, 2}, r + 1.0).t(), at::full({4}, 10.0 * (r + 1), at::kDouble)};
            d.allReduceSum(t);
            reduced[r] = at::cat({t[0].reshape({-1}), t[1].to(at::kFloat)});
            std::vector<at::Tensor> b{at::full({5}, r == 1 ? 7.0 : 0.0)};
            d.broadcast(b, 1);
            broadcasted[r] = b[0];
            d.barrier();
        });
        QCOMPARE(errors[0], std::string());
        QCOMPARE(errors[1], std::string());
        for (int r = 0; r < 2; ++r) {
            QCOMPARE(sums[r], 41.5);
            QCOMPARE(gathered[r].size(), size_t(2));
            QCOMPARE(gathered[r][0], std::string("rank zero \0 bytes", 17));
            QCOMPARE(gathered[r][1], std::string());
            QVERIFY(at::equal(reduced[r].narrow(0, 0, 6), at::full({6}, 3.0)));
            QVERIFY(at::equal(reduced[r].narrow(0, 6, 4), at::full({4}, 30.0)));
            QVERIFY(at::equal(broadcasted[r], at::full({5}, 7.0)));
        }
    }

    void severalFlagsAreDecidedInOneCollective() {
        SingleProcessDist single;
        QCOMPARE(single.anyRankEach({true, false, true}), (std::vector<bool>{true, false, true}));
        std::vector<std::vector<bool>> any(3);
        const auto errors = runRanks(3, [&](int r, ProcessGroupDist& d) {
            // flag 0 on every rank, flag 1 on none, flag 2 on rank 2 only, flag 3 on ranks 0 and 1
            any[r] = d.anyRankEach({true, false, r == 2, r != 2});
        });
        for (int r = 0; r < 3; ++r) {
            QCOMPARE(errors[r], std::string());
            QCOMPARE(any[r], (std::vector<bool>{true, false, true, true}));
        }
    }

    void gradientsAreAveragedInBucketsAndMissingOnesCountAsZero() {
        std::vector<std::vector<at::Tensor>> grads(2);
        std::vector<bool> thirdDefined(2);
        ProcessGroupOptions small;
        small.bucketBytes = 64;  // several buckets
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            std::vector<at::Tensor> params{at::zeros({4, 5}).set_requires_grad(true),
                                           at::zeros({3}).set_requires_grad(true),
                                           at::zeros({2}).set_requires_grad(true),
                                           at::zeros({2}).set_requires_grad(true)};
            params[0].mutable_grad() = at::full({4, 5}, r == 0 ? 1.0 : 3.0);
            params[1].mutable_grad() = at::arange(3, at::kFloat) * (r + 1);
            if (r == 1) params[2].mutable_grad() = at::full({2}, 8.0);  // rank 0 never used it
            d.averageGradients(params);
            for (const auto& p : params) grads[r].push_back(p.grad());
            thirdDefined[r] = params[3].grad().defined();
            check(d.timings().gradientSyncs == 1, "one sync");
            check(d.timings().gradientBytes == (20 + 3 + 2) * 4, "bytes of the synchronised gradients");
        }, small);
        QCOMPARE(errors[0], std::string());
        QCOMPARE(errors[1], std::string());
        for (int r = 0; r < 2; ++r) {
            QVERIFY(at::equal(grads[r][0], at::full({4, 5}, 2.0)));
            QVERIFY(at::allclose(grads[r][1], at::arange(3, at::kFloat) * 1.5));
            QVERIFY(at::equal(grads[r][2], at::full({2}, 4.0)));
            QVERIFY(!thirdDefined[r]);  // unused everywhere: stays without a gradient (AdamW skips it)
        }
    }

    void overlappedAveragingStartsDuringBackwardAndMatchesTheSynchronousOne() {
        // Two micro-batches (only the second communicates); a layer rank 0 never uses, one no rank uses;
        // 64-byte buckets, so there are several and the first ones start inside backward.
        struct Result {
            std::vector<at::Tensor> overlapped, synchronous;
            bool unusedDefined = true;
            GradSyncStats stats;
            std::size_t buckets = 0;
        };
        std::vector<Result> res(2);
        ProcessGroupOptions small;
        small.bucketBytes = 64;
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            torch::nn::Linear a(6, 8), b(8, 8), c(8, 3), onlyRank1(8, 3), nobody(8, 3);
            std::vector<at::Tensor> params;
            for (torch::nn::Linear* l : {&nobody, &onlyRank1, &a, &b, &c})
                for (auto& p : (*l)->parameters()) params.push_back(p);
            at::Generator g = at::make_generator<at::CPUGeneratorImpl>(7);  // the same weights on both ranks
            {
                at::NoGradGuard noGrad;
                for (auto& p : params) p.copy_(at::randn(p.sizes(), g) * 0.5);
            }
            auto backward = [&](int micro) {
                const at::Tensor x = at::arange(12, at::kFloat).view({2, 6}) * 0.1 * (1 + r + 2 * micro);
                at::Tensor h = at::relu(b(at::relu(a(x))));
                at::Tensor loss = c(h).pow(2).sum();
                if (r == 1) loss = loss + onlyRank1(h).sum() * 0.5;
                (loss / 2.0).backward();
            };
            auto sync = d.makeGradientSync(params);
            check(sync != nullptr, "ProcessGroupDist overlaps");
            auto* overlapped = dynamic_cast<OverlappedGradSync*>(sync.get());
            res[r].buckets = overlapped->buckets().size();
            check(overlapped->buckets().front().back() == params.size() - 1, "buckets in reverse parameter order");
            backward(0);
            sync->armForLastBackward();
            backward(1);
            sync->finish();
            for (auto& p : params) res[r].overlapped.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
            res[r].unusedDefined = nobody->weight.grad().defined();
            res[r].stats = overlapped->stats();
            // The same two micro-batches again, averaged after backward.
            for (auto& p : params) p.mutable_grad() = at::Tensor();
            backward(0);
            backward(1);
            d.averageGradients(params);
            for (auto& p : params) res[r].synchronous.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
        }, small);
        QVERIFY2(errors[0].empty(), errors[0].c_str());
        QVERIFY2(errors[1].empty(), errors[1].c_str());
        QVERIFY(res[0].buckets >= 4);
        for (int r = 0; r < 2; ++r) {
            QVERIFY(!res[r].unusedDefined);  // unused everywhere: no gradient, as with averageGradients
            QCOMPARE(res[r].stats.syncs, 1LL);
            QCOMPARE(res[r].stats.bucketsTotal, static_cast<long long>(res[r].buckets));
            QCOMPARE(res[r].overlapped.size(), res[r].synchronous.size());
            for (std::size_t i = 0; i < res[r].overlapped.size(); ++i) {
                const at::Tensor& o = res[r].overlapped[i];
                const at::Tensor& s = res[r].synchronous[i];
                QCOMPARE(o.defined(), s.defined());
                if (o.defined()) QVERIFY2(at::equal(o, s), ("parameter " + std::to_string(i)).c_str());
                if (o.defined()) QVERIFY(at::equal(o, res[0].overlapped[i]));  // the ranks agree
            }
        }
        // The unused layers come first in forward order, so last in launch order: c, b and a's buckets started
        // inside backward on both ranks; onlyRank1's on rank 1 too.
        QVERIFY2(res[0].stats.bucketsEarly >= 3, std::to_string(res[0].stats.bucketsEarly).c_str());
        QVERIFY2(res[1].stats.bucketsEarly > res[0].stats.bucketsEarly, std::to_string(res[1].stats.bucketsEarly).c_str());
        QVERIFY(res[0].stats.bucketsEarly < static_cast<long long>(res[0].buckets));
        // The layer only rank 1 uses gets half its gradient on both ranks (rank 0 contributes zeros).
        QVERIFY(res[0].overlapped[2].abs().sum().item<double>() > 0);
    }

    // --grad-compression: gradients travel in fp16 (scaled by 1/world) or bf16, through the synchronous
    // and the overlapped paths alike; the means stay within the half precision of the exact ones, the
    // ranks agree bit for bit, and the "has a gradient" mask stays exact. A backend that cannot sum the
    // precision (Gloo in LibTorch 1.13: no bf16) is refused when the group forms, naming the flag.
    void compressedGradientsStayCloseAndTheRanksAgree() {
        int refused = 0;
        for (const GradCompression c : {GradCompression::Fp16, GradCompression::Bf16}) {
            ProcessGroupOptions o;
            o.bucketBytes = 256;  // several buckets
            o.gradCompression = c;
            std::vector<std::vector<at::Tensor>> synchronous(2), overlapped(2);
            std::vector<at::Tensor> exact(3);
            std::vector<bool> unusedDefined(2, true);
            auto gradientOf = [](int r, int i) {
                at::Generator g = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(10 * r + i));
                return at::randn({40 + 13 * i}, g) * (i == 0 ? 1e-3 : 5.0);  // small and large gradients
            };
            // Rounding errors scale with the inputs, not with their mean (which cancels where the ranks'
            // gradients have opposite signs): the bound is relative to the mean magnitude.
            std::vector<at::Tensor> magnitude(2);
            for (int i = 0; i < 2; ++i) {
                exact[i] = (gradientOf(0, i) + gradientOf(1, i)) / 2;
                magnitude[i] = (gradientOf(0, i).abs() + gradientOf(1, i).abs()) / 2;
            }
            const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
                check(d.gradCompression() == c, "the group keeps its compression");
                std::vector<at::Tensor> params;
                for (int i = 0; i < 3; ++i) params.push_back(at::zeros({40 + 13 * i}).set_requires_grad(true));
                for (int i = 0; i < 2; ++i) params[i].mutable_grad() = gradientOf(r, i);
                d.averageGradients(params);
                for (int i = 0; i < 2; ++i) synchronous[r].push_back(params[i].grad().clone());
                for (auto& p : params) p.mutable_grad() = at::Tensor();
                auto sync = d.makeGradientSync(params);
                sync->armForLastBackward();
                ((params[0] * gradientOf(r, 0)).sum() + (params[1] * gradientOf(r, 1)).sum()).backward();
                sync->finish();
                for (int i = 0; i < 2; ++i) overlapped[r].push_back(params[i].grad().clone());
                unusedDefined[r] = params[2].grad().defined();
            }, o);
            if (!errors[0].empty()) {  // this LibTorch's Gloo cannot sum the precision: refused up front
                // (1.13's Gloo has no bf16 sum, Debian's 2.14 neither.)
                const std::string flag = std::string("--grad-compression ") + nameOf(c);
                QVERIFY2(has(errors[0], flag) && has(errors[0], "gloo") && has(errors[0], "cannot all-reduce"),
                         errors[0].c_str());
                QCOMPARE(errors[1].empty(), false);
                qInfo("%s compression refused by this Gloo: %s", nameOf(c), errors[0].c_str());
                ++refused;
                continue;
            }
            QVERIFY2(errors[1].empty(), errors[1].c_str());
            const double rtol = c == GradCompression::Fp16 ? 2e-3 : 1.6e-2;
            bool rounded = false;
            for (int r = 0; r < 2; ++r) {
                QVERIFY(!unusedDefined[r]);  // the mask stayed exact: unused everywhere, no gradient
                for (int i = 0; i < 2; ++i) {
                    const std::string what = std::string(nameOf(c)) + " rank " + std::to_string(r) + " tensor " +
                                             std::to_string(i);
                    QVERIFY2(((synchronous[r][i] - exact[i]).abs() <= magnitude[i] * rtol + 1e-7).all().item<bool>(),
                             what.c_str());
                    QVERIFY2(at::equal(overlapped[r][i], synchronous[r][i]), what.c_str());
                    QVERIFY2(at::equal(synchronous[r][i], synchronous[0][i]), what.c_str());  // ranks agree
                    rounded = rounded || !at::equal(synchronous[r][i], exact[i]);
                }
            }
            QVERIFY(rounded);  // the sum really travelled in half precision
        }
        if (refused == 2) QSKIP("this Gloo sums neither fp16 nor bf16: only the refusals were checked");
    }

    void initialParametersComeFromRankZero() {
        std::vector<at::Tensor> weights(2);
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            torch::nn::Linear lin(4, 3);
            {
                at::NoGradGuard g;
                lin->weight.fill_(r + 1.0);
                lin->bias.fill_(-r);
            }
            broadcastModule(d, *lin);
            weights[r] = at::cat({lin->weight.detach().reshape({-1}), lin->bias.detach()});
        });
        QCOMPARE(errors[0], std::string());
        QCOMPARE(errors[1], std::string());
        QVERIFY(at::equal(weights[0], weights[1]));
        QVERIFY(at::equal(weights[1].narrow(0, 0, 12), at::ones({12})));
    }

    void aRankThatNeverArrivesTimesOutNamingTheEndpoint() {
        const int port = findFreePort("127.0.0.1");
        ProcessGroupOptions o;
        o.timeoutS = 2;
        const auto start = std::chrono::steady_clock::now();
        try {
            ProcessGroupDist d(rankOf(0, 2, port), c10::Device(c10::kCPU), o);
            QFAIL("a world of 2 formed with one rank");
        } catch (const DistInitError& e) {
            QVERIFY2(has(e.what(), "127.0.0.1:" + std::to_string(port)), e.what());
            QVERIFY2(has(e.what(), "not every rank arrived"), e.what());
            QVERIFY2(has(e.what(), "missing rank(s): 1;"), e.what());
            QVERIFY(has(e.hint(), "--dist-timeout"));
        }
        QVERIFY(secondsSince(start) < 30);
        // A non-zero rank without rank 0: same, from the client side.
        try {
            ProcessGroupDist d(rankOf(1, 2, port), c10::Device(c10::kCPU), o);
            QFAIL("rank 1 joined without rank 0");
        } catch (const DistInitError& e) {
            QVERIFY2(has(e.what(), "could not reach the rendezvous of rank 0 on 127.0.0.1:" + std::to_string(port)),
                     e.what());
        }
    }

    void aPortInUseIsNamed() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        addr.sin_port = 0;
        QVERIFY(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        QVERIFY(::listen(fd, 4) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        const int port = ntohs(addr.sin_port);
        ProcessGroupOptions o;
        o.timeoutS = 2;
        try {
            ProcessGroupDist d(rankOf(0, 2, port), c10::Device(c10::kCPU), o);
            QFAIL("served the rendezvous on a busy port");
        } catch (const DistInitError& e) {
            QVERIFY2(has(e.what(), "127.0.0.1:" + std::to_string(port)), e.what());
            QVERIFY2(has(e.what(), "in use"), e.what());
            QVERIFY(has(e.hint(), "MASTER_PORT"));
        }
        ::close(fd);
    }

    void inconsistentWorldSizesAreRefused() {
        const int port = findFreePort("127.0.0.1");
        ProcessGroupOptions o;
        o.timeoutS = 5;
        std::vector<std::string> errors(2);
        std::thread t0([&] {
            try {
                ProcessGroupDist d(rankOf(0, 2, port), c10::Device(c10::kCPU), o);
            } catch (const std::exception& e) {
                errors[0] = e.what();
            }
        });
        std::thread t1([&] {
            try {
                ProcessGroupDist d(rankOf(1, 3, port), c10::Device(c10::kCPU), o);
            } catch (const std::exception& e) {
                errors[1] = e.what();
            }
        });
        t0.join();
        t1.join();
        QVERIFY2(has(errors[1], "rank 0 was started with WORLD_SIZE 2 but rank 1 with 3"), errors[1].c_str());
        QVERIFY2(has(errors[0], "WORLD_SIZE"), errors[0].c_str());
    }
};

QTEST_GUILESS_MAIN(TstProcessGroupDist)
#include "tst_process_group_dist.moc"
