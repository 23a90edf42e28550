// studio_cuda_kernel_check (built with -DSTUDIO_CHECK_CUDA_KERNELS=ON when LibTorch has no CUDA): the CUDA
// kernels compiled by nvcc, linked against the CUDA runtime without Torch. Prints the architectures;
// with a GPU present also runs forward and backward on random data and compares them with the host twin.
// Exit 0 = linked (and, with a GPU, matched); 1 = mismatch or CUDA error.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "train/model/cuda/ms_deform_attn_host.h"
#include "train/model/cuda/ms_deform_attn_kernel.h"

using namespace studio::train;

namespace {

template <typename T>
T* toDevice(const std::vector<T>& host) {
    T* p = nullptr;
    cudaMalloc(&p, host.size() * sizeof(T));
    cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
    return p;
}

template <typename T>
std::vector<T> toHost(const T* device, size_t n) {
    std::vector<T> host(n);
    cudaMemcpy(host.data(), device, n * sizeof(T), cudaMemcpyDeviceToHost);
    return host;
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(double(a[i]) - double(b[i])));
    return d;
}

}  // namespace

int main() {
    std::printf("deformable attention kernels: %s\n", msdaCompiledArchitectures());
    MsdaGeometry g;  // an empty call launches nothing and succeeds without a device
    if (msdaLaunchForward(g, MsdaValueType::Float32, nullptr, nullptr, nullptr, nullptr, nullptr) != 0) return 1;
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("no CUDA device: compiled and linked only\n");
        return 0;
    }
    g.batch = 2, g.heads = 4, g.channels = 16, g.queries = 37, g.levels = 2, g.points = 3;
    g.height[0] = 9, g.width[0] = 11, g.height[1] = 5, g.width[1] = 6;
    g.levelStart[1] = 99;
    g.valueLength = 99 + 30;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-0.2f, 1.2f), n(-1.f, 1.f);
    auto fill = [&](size_t count, std::uniform_real_distribution<float>& d) {
        std::vector<float> v(count);
        for (float& x : v) x = d(rng);
        return v;
    };
    const size_t nv = size_t(g.batch * g.valueLength * g.heads * g.channels), nout = size_t(g.channelItems());
    const size_t ns = size_t(g.batch * g.queries * g.heads * g.samplesPerHead());
    const auto value = fill(nv, n), loc = fill(2 * ns, u), attn = fill(ns, u), gradOut = fill(nout, n);
    std::vector<float> out(nout), gv(nv, 0.f), gl(2 * ns), ga(ns);
    msdaForwardHost<float>(g, value.data(), loc.data(), attn.data(), out.data(), 0, msdaHostUnits(g));
    msdaBackwardHost<float>(g, gradOut.data(), value.data(), loc.data(), attn.data(), gv.data(), gl.data(), ga.data(),
                            0, msdaHostUnits(g));
    float *dv = toDevice(value), *dl = toDevice(loc), *da = toDevice(attn), *dgo = toDevice(gradOut);
    float *dout = toDevice(std::vector<float>(nout)), *dgv = toDevice(std::vector<float>(nv, 0.f));
    float *dgl = toDevice(std::vector<float>(2 * ns, 0.f)), *dga = toDevice(std::vector<float>(ns, 0.f));
    int rc = msdaLaunchForward(g, MsdaValueType::Float32, dv, dl, da, dout, nullptr);
    if (rc == 0) rc = msdaLaunchBackward(g, MsdaValueType::Float32, dgo, dv, dl, da, dgv, dgl, dga, nullptr);
    if (rc == 0) rc = static_cast<int>(cudaDeviceSynchronize());
    if (rc != 0) {
        std::printf("FAIL CUDA error: %s\n", msdaErrorString(rc));
        return 1;
    }
    const double dOut = maxDiff(out, toHost(dout, nout)), dGv = maxDiff(gv, toHost(dgv, nv));
    const double dGl = maxDiff(gl, toHost(dgl, 2 * ns)), dGa = maxDiff(ga, toHost(dga, ns));
    std::printf("max |kernel - host twin|: output %.3g, grad value %.3g, grad locations %.3g, grad weights %.3g\n",
                dOut, dGv, dGl, dGa);
    const bool ok = dOut < 1e-5 && dGv < 1e-5 && dGl < 1e-3 && dGa < 1e-5;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
