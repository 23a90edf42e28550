#include "train/engine/rng_state.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <mutex>

namespace studio::train {

namespace {
int cudaDevices() { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0; }

at::Generator generatorOf(at::Device device) { return at::globalContext().defaultGenerator(device); }
}  // namespace

RngSnapshot captureRng() {
    RngSnapshot s;
    {
        at::Generator g = generatorOf(at::Device(at::kCPU));
        std::lock_guard<std::mutex> lock(g.mutex());
        s.cpu = g.get_state();
    }
    for (int i = 0; i < cudaDevices(); ++i) {
        at::Generator g = generatorOf(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
        std::lock_guard<std::mutex> lock(g.mutex());
        s.cuda.push_back(g.get_state());
    }
    return s;
}

void restoreRng(const RngSnapshot& snapshot) {
    if (snapshot.cpu.defined()) {
        at::Generator g = generatorOf(at::Device(at::kCPU));
        std::lock_guard<std::mutex> lock(g.mutex());
        g.set_state(snapshot.cpu);
    }
    const int n = std::min<int>(cudaDevices(), static_cast<int>(snapshot.cuda.size()));
    for (int i = 0; i < n; ++i) {
        at::Generator g = generatorOf(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
        std::lock_guard<std::mutex> lock(g.mutex());
        g.set_state(snapshot.cuda[static_cast<std::size_t>(i)]);
    }
}

}  // namespace studio::train
