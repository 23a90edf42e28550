// The fused deformable-attention CUDA kernels against the grid_sample reference on the same GPU (label
// gpu; plain executable): output and the value / location / weight gradients on random shapes covering
// every reduction path and on RF-DETR medium's real ones (training at 576 and 736 px, inference), in
// float64 (1e-12), float32 (1e-5, the scale of rounding the pixel coordinate) and with bfloat16 / float16 values (looser: the output and the value
// gradient are rounded to 16 bits); finite-difference gradients in float64 on the device; the MSDeformAttn
// module under bf16 autocast; bad inputs. Errors are relative to the largest reference element.
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "gpu_check.h"
#include "train/model/autocast_guard.h"
#include "train/model/kernel_path.h"
#include "train/model/ms_deform_attn.h"
#include "train/model/ms_deform_attn_function.h"
#include "train/msda_cases.h"

using namespace studio::train;
using namespace studio::train::testing;
using studio::gputest::Checks;

namespace {

Checks checks;

at::Tensor reference(const at::Tensor& v, const SpatialShapes& s, const at::Tensor& l, const at::Tensor& w) {
    return msDeformAttnReference(v, s, l, w);
}
at::Tensor fused(const at::Tensor& v, const SpatialShapes& s, const at::Tensor& l, const at::Tensor& w) {
    return msDeformAttnFused(v, s, l, w);
}

struct Tolerances {
    double output, value, locations, weights;
};

// Fused vs reference for `in` (value and gradOutput possibly in 16 bits; the reference then runs in
// float32 on the same rounded numbers).
void compare(const std::string& name, const MsdaInputs& in, const SpatialShapes& shapes, const Tolerances& tol) {
    const MsdaGrads got = runWithAutograd(fused, in, shapes);
    MsdaInputs wide = in;
    if (in.value.scalar_type() == at::kBFloat16 || in.value.scalar_type() == at::kHalf) {
        wide.value = in.value.to(at::kFloat);
        wide.gradOutput = in.gradOutput.to(at::kFloat);
        wide.locations = in.locations.to(at::kFloat);
        wide.weights = in.weights.to(at::kFloat);
    }
    const MsdaGrads ref = runWithAutograd(reference, wide, shapes);
    const bool types = got.output.scalar_type() == in.value.scalar_type() &&
                       got.value.scalar_type() == in.value.scalar_type() &&
                       got.locations.scalar_type() == in.locations.scalar_type() && got.output.is_cuda() == in.value.is_cuda();
    checks.check(types, name + ": output and gradient dtypes/devices follow the inputs");
    checks.within(name + ": output", relativeError(got.output, ref.output), tol.output);
    checks.within(name + ": grad value", relativeError(got.value, ref.value), tol.value);
    checks.within(name + ": grad locations", relativeError(got.locations, ref.locations), tol.locations);
    checks.within(name + ": grad weights", relativeError(got.weights, ref.weights), tol.weights);
}

void randomShapes(const at::Device& dev) {
    checks.section("random shapes, float64 / float32 / bfloat16 / float16");
    for (const MsdaCase& c : msdaSmallCases()) {
        compare(c.name + " f64", makeMsdaInputs(c, at::TensorOptions().dtype(at::kDouble).device(dev), 21), c.shapes,
                {1e-12, 1e-12, 1e-11, 1e-12});
        compare(c.name + " f32", makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat).device(dev), 22), c.shapes,
                {1e-5, 1e-5, 1e-5, 1e-5});
        for (at::ScalarType t : {at::kBFloat16, at::kHalf}) {
            MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat).device(dev), 23);
            in.value = in.value.to(t);
            in.gradOutput = in.gradOutput.to(t);
            const double r = t == at::kBFloat16 ? 8e-3 : 1e-3;  // one rounding of output / value gradient
            compare(c.name + (t == at::kBFloat16 ? " bf16" : " f16"), in, c.shapes, {r, r, 1e-4, 1e-4});
        }
    }
}

void mediumShapes(const at::Device& dev) {
    checks.section("RF-DETR medium shapes");
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(dev);
    const std::vector<MsdaCase> cases = {msdaMediumCase(2), msdaMediumCase(1, 46),
                                         {"rfdetr medium inference 576 px", 4, 300, 16, 16, 2, {{36, 36}}}};
    for (const MsdaCase& c : cases) {
        compare(c.name + " f32", makeMsdaInputs(c, f32, 31), c.shapes, {1e-5, 1e-5, 1e-5, 1e-5});
        MsdaInputs in = makeMsdaInputs(c, f32, 32);
        in.value = in.value.to(at::kBFloat16);
        in.gradOutput = in.gradOutput.to(at::kBFloat16);
        compare(c.name + " bf16 value, f32 locations", in, c.shapes, {8e-3, 8e-3, 1e-4, 1e-4});
    }
    // Everything in bf16 (locations too): the forward still follows the reference on the same numbers.
    const MsdaCase c = msdaMediumCase(2);
    MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kBFloat16).device(dev), 33);
    const at::Tensor out = msDeformAttnFused(in.value, c.shapes, in.locations, in.weights);
    const at::Tensor ref = msDeformAttnReference(in.value.to(at::kFloat), c.shapes, in.locations.to(at::kFloat),
                                                 in.weights.to(at::kFloat));
    checks.check(out.scalar_type() == at::kBFloat16 && at::isfinite(out).all().item<bool>(),
                 "all-bf16 medium: bf16 output, finite");
    checks.within("all-bf16 medium: output vs float32 reference on the same inputs", relativeError(out, ref), 8e-3);
    const at::Tensor again = msDeformAttnFused(in.value, c.shapes, in.locations, in.weights);
    checks.check(at::equal(out, again), "forward is deterministic (no atomics)");
}

void finiteDifferences(const at::Device& dev) {
    checks.section("finite differences (float64, on the device)");
    const MsdaCase c{"finite differences", 1, 3, 2, 3, 2, {{3, 4}, {2, 2}}};
    const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kDouble).device(dev), 5, 0.05);
    const MsdaGrads got = runWithAutograd(fused, in, c.shapes);
    at::Tensor inputs[3] = {in.value.clone(), in.locations.clone(), in.weights.clone()};
    const at::Tensor analytic[3] = {got.value.cpu(), got.locations.cpu(), got.weights.cpu()};
    const char* names[3] = {"value", "locations", "weights"};
    const double eps = 1e-6;
    for (int which = 0; which < 3; ++which) {
        at::Tensor flat = inputs[which].view({-1});
        const at::Tensor grad = analytic[which].reshape({-1});
        double worst = 0;
        for (int64_t i = 0; i < flat.numel(); ++i) {
            const double x = flat[i].item<double>();
            auto f = [&](double at) {
                flat[i] = at;
                return (msdaFusedForward(inputs[0], c.shapes, inputs[1], inputs[2]) * in.gradOutput).sum().item<double>();
            };
            const double numeric = (f(x + eps) - f(x - eps)) / (2 * eps);
            flat[i] = x;
            const double exact = grad[i].item<double>();
            worst = std::max(worst, std::abs(numeric - exact) / (1 + std::abs(exact)));
        }
        checks.within(std::string("d/d") + names[which] + " vs central differences", worst, 1e-6);
    }
}

void moduleUnderAutocast(const at::Device& dev) {
    checks.section("MSDeformAttn module under bf16 autocast");
    if (!dev.is_cuda()) {  // CPU autocast does not promote grid_sample's mixed inputs; the CPU trains in fp32
        checks.check(true, "skipped on the CPU");
        return;
    }
    at::manual_seed(4);
    MsDeformAttn attn(256, 1, 16, 2);
    {
        torch::NoGradGuard noGrad;  // non-zero offsets and weights: rfdetr's init zeroes them
        for (auto& p : attn->parameters()) p.normal_(0, 0.05);
    }
    attn->to(dev);
    const SpatialShapes shapes{{36, 36}};
    const auto f32 = at::TensorOptions().device(dev);
    const at::Tensor query = at::randn({2, 3900, 256}, f32), memory = at::randn({2, 1296, 256}, f32);
    const at::Tensor reference4 = at::cat({at::rand({2, 3900, 1, 2}, f32), 0.05 + 0.2 * at::rand({2, 3900, 1, 2}, f32)}, -1);
    at::Tensor outs[2];
    std::vector<at::Tensor> grads[2];
    const KernelPath paths[2] = {KernelPath::Reference, KernelPath::Fused};
    for (int i = 0; i < 2; ++i) {
        setKernelPath(KernelOp::DeformAttn, paths[i]);
        attn->zero_grad();
        {
            AutocastGuard autocast(dev.type(), true);
            outs[i] = attn->forward(query, reference4, memory, shapes);
        }
        outs[i].to(at::kFloat).square().sum().backward();
        for (const auto& p : attn->parameters()) grads[i].push_back(p.grad().clone());
    }
    setKernelPath(KernelOp::DeformAttn, std::nullopt);
    checks.check(outs[1].scalar_type() == outs[0].scalar_type(), "autocast output dtype equals the reference's");
    checks.check(at::isfinite(outs[1].to(at::kFloat)).all().item<bool>(), "autocast fused output finite");
    checks.within("autocast output fused vs reference", relativeError(outs[1], outs[0]), 2e-2);
    bool finite = true;
    double worst = 0;
    for (size_t k = 0; k < grads[1].size(); ++k) {
        finite = finite && at::isfinite(grads[1][k]).all().item<bool>();
        worst = std::max(worst, relativeError(grads[1][k], grads[0][k]));
    }
    checks.check(finite, "autocast fused parameter gradients finite");
    checks.within("autocast parameter gradients fused vs reference (worst tensor)", worst, 5e-2);
}

void badInputs(const at::Device& dev) {
    checks.section("bad inputs");
    const MsdaCase c = msdaSmallCases().at(0);
    const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat).device(dev), 1);
    auto errorOf = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const std::exception& e) {
            return e.what();
        }
        return "";
    };
    const std::string devices = errorOf([&] { fused(in.value, c.shapes, in.locations.cpu(), in.weights); });
    checks.check(!dev.is_cuda() || devices.find("one device") != std::string::npos,
                 "locations on another device: " + devices);
    const std::string ints = errorOf([&] { fused(in.value.to(at::kInt), c.shapes, in.locations, in.weights); });
    checks.check(ints.find("floating point") != std::string::npos, "integer value: " + ints);
    const std::string empty = errorOf([&] {
        const MsdaInputs e = makeMsdaInputs({"empty", 0, 5, 4, 16, 2, {{7, 9}}}, in.value.options(), 1);
        checks.check(fused(e.value, c.shapes, e.locations, e.weights).numel() == 0, "empty batch gives an empty output");
    });
    checks.check(empty.empty(), "empty batch runs: " + empty);
}

}  // namespace

int main() {
    const at::Device dev = studio::gputest::testDevice();
    std::printf("deformable attention kernels: %s; %s\n", msdaCudaArchitectures(),
                describeKernelPaths(dev.is_cuda()).c_str());
    randomShapes(dev);
    mediumShapes(dev);
    finiteDifferences(dev);
    moduleUnderAutocast(dev);
    badInputs(dev);
    return checks.finish();
}
