// GPU check of the matcher's tensor path and the criterion on CUDA (plain executable, label gpu):
// tiny_io.pth's recorded train outputs on the GPU give the reference's matches exactly, its loss
// terms and gradients to 1e-4, and the bf16-logit loss dict of criterion_grads.pth; also times one
// batch-16 Medium matching step (tensor cost on the GPU, one copy, LSAP on the CPU thread pool).
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "train/loss/hungarian_matcher.h"
#include "train/loss/set_criterion.h"
#include "train/tiny_io_fixture.h"

using namespace studio::train;
using studio::test::TinyIo;
using studio::test::outputGradErrors;

namespace {
int g_failures = 0;
void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok)
        ++g_failures;
}
bool relClose(double got, double want, double rtol) {
    return std::abs(got - want) <= rtol * std::max(std::abs(want), 1e-12);
}
ModelOutput onDevice(const ModelOutput& in, const at::Device& dev, bool bf16Logits, bool leaf) {
    ModelOutput out = in;
    auto move = [&](DetectionOutput& d) {
        d.logits = d.logits.to(dev, bf16Logits ? at::kBFloat16 : at::kFloat);
        d.boxes = d.boxes.to(dev);
        if (leaf) {
            d.logits = d.logits.detach().set_requires_grad(true);
            d.boxes = d.boxes.detach().set_requires_grad(true);
        }
    };
    move(out.final);
    for (auto& a : out.aux)
        move(a);
    move(*out.enc);
    return out;
}
}  // namespace

int main() {
    // STUDIO_GPU_TEST_ON_CPU=1 runs the same checks on the CPU (to check the test itself without a GPU).
    const bool onCpu = std::getenv("STUDIO_GPU_TEST_ON_CPU") != nullptr;
    if (!onCpu && !at::hasCUDA()) {
        std::printf("FAIL no CUDA device: this test needs a GPU (label gpu)\n");
        return 1;
    }
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
    const at::Device dev = onCpu ? at::Device(at::kCPU) : at::Device(at::kCUDA);
    const TinyIo io;
    const TinyIo ref("criterion_grads.pth");
    const auto targets = io.targets();

    // Matches: the tensor path on the GPU equals the reference's indices.
    const ModelOutput out = onDevice(io.trainOutput(), dev, false, true);
    SetCriterion criterion;
    const auto matches = criterion.matcher().match(out, targets);
    const char* names[] = {"final", "aux0", "aux1", "enc"};
    for (int i = 0; i < 4; ++i) {
        const std::string key = std::string("matcher/") + names[i] + "/";
        check(at::equal(matches[i].queryIdx, io.tensor(key + "query_idx")) &&
                  at::equal(matches[i].targetIdx, io.tensor(key + "target_idx")),
              std::string("matches ") + names[i]);
    }
    // Loss terms, total and gradients on the GPU.
    const LossResult r = criterion.compute(out, targets, matches);
    for (std::size_t i = 0; i < r.names.size(); ++i) {
        check(r.values[i].device() == dev, r.names[i] + " stays on the GPU");
        const double want = io.tensor("losses/" + r.names[i]).item<double>();
        check(relClose(r.values[i].item<double>(), want, 1e-4),
              r.names[i] + " = " + std::to_string(want));
    }
    check(relClose(r.total.item<double>(), 18.36252, 1e-4), "weighted total 18.36252");
    r.total.backward();
    for (const auto& e : outputGradErrors(out, ref)) check(e.maxError <= 1e-4 * e.scale + 1e-8, "grad " + e.name);
    // bf16 logits (what autocast produces): the reference's dtype policy.
    const auto rb = criterion(onDevice(io.trainOutput(), dev, true, false), targets);
    for (std::size_t i = 0; i < rb.names.size(); ++i) {
        const double want = ref.tensor("bf16/losses/" + rb.names[i]).item<double>();
        check(rb.values[i].scalar_type() == at::kFloat &&
                  relClose(rb.values[i].item<double>(), want, 1e-3),
              "bf16 " + rb.names[i]);
    }

    // Timing: batch 16 x 13 groups x 5 sets x 300 queries, 20 targets per image, 4 logits.
    at::manual_seed(0);
    std::vector<DetectionOutput> big;
    for (int o = 0; o < 5; ++o)
        big.push_back({at::randn({16, 3900, 4}, at::TensorOptions(dev)) * 2,
                       at::rand({16, 3900, 4}, at::TensorOptions(dev)) * 0.6 + 0.1});
    std::vector<ImageTargets> bigTargets;
    for (int b = 0; b < 16; ++b)
        bigTargets.push_back({at::rand({20, 4}) * 0.5 + 0.2, at::randint(0, 4, {20}, at::kLong)});
    std::vector<const DetectionOutput*> ptrs;
    for (const auto& o : big)
        ptrs.push_back(&o);
    HungarianMatcher matcher;
    std::vector<double> ms;
    for (int i = 0; i < 12; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        matcher.match(ptrs, bigTargets, 13);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin() + 2, ms.end());
    std::printf(
        "info matcher, batch 16 x 13 groups x 5 sets (tensor path, %d solver threads): median %.2f "
        "ms\n",
        matcher.threads(), ms[7]);
    std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "passed", g_failures);
    return g_failures ? 1 : 0;
}
