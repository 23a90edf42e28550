#include "train/plan/plan_probe.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "base/gpu/nvml.h"
#include "train/data/synthetic_batch.h"
#include "train/engine/adamw.h"
#include "train/engine/loader_sources.h"
#include "train/engine/model_ema.h"
#include "train/engine/out_of_memory.h"
#include "train/engine/autocast.h"
#include "train/engine/grad_clip.h"
#include "train/loss/set_criterion.h"
#include "train/model/model_weights.h"
#include "train/model/rfdetr.h"
#include "train/plan/counting_allocator.h"

#ifdef STUDIO_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace studio::train {

namespace {

using Clock = std::chrono::steady_clock;

/// Peak memory of the probe's device: the counting allocator on CPU, the caching allocator on CUDA.
class PeakMeter {
public:
    explicit PeakMeter(const c10::Device& d) : m_device(d) {
        if (d.is_cpu()) {
            m_cpu = std::make_unique<CpuAllocationCounter>();
            if (!m_cpu->installed())
                throw std::runtime_error("plan: another CPU allocator is installed; host memory cannot be counted");
            return;
        }
#ifdef STUDIO_TORCH_CUDA
        c10::cuda::CUDACachingAllocator::emptyCache();
        c10::cuda::CUDACachingAllocator::resetPeakStats(d.index());
#else
        throw std::runtime_error("plan: this build cannot measure CUDA memory (built without CUDA)");
#endif
    }
    void reset() {
        if (m_cpu) {
            m_cpu->resetPeak();
            return;
        }
#ifdef STUDIO_TORCH_CUDA
        c10::cuda::CUDACachingAllocator::resetPeakStats(m_device.index());
#endif
    }
    std::uint64_t peak() const {
        if (m_cpu) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, m_cpu->peakBytes()));
#ifdef STUDIO_TORCH_CUDA
        // Reserved, not allocated: what the caching allocator holds from the driver is what runs out.
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(m_device.index());
        return static_cast<std::uint64_t>(stats.reserved_bytes[0].peak);  // [0] = StatType::AGGREGATE
#else
        return 0;
#endif
    }

private:
    c10::Device m_device;
    std::unique_ptr<CpuAllocationCounter> m_cpu;
};

void synchronize(const c10::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

}  // namespace

ProbeResult runProbe(const ProbeSpec& spec) {
    ProbeResult result;
    result.resolution = spec.resolution;
    const auto start = Clock::now();
    PeakMeter meter(spec.device);  // before the model: weights, gradients and optimiser state count
    {
        at::manual_seed(0);
        RFDetr model(spec.model);
        model->to(spec.device);
        model->train();
        RFDetr emaModel{nullptr};
        std::unique_ptr<ModelEma> ema;
        if (spec.useEma) {
            emaModel = RFDetr(spec.model);
            emaModel->to(spec.device);
            for (auto& t : emaModel->parameters()) t.set_requires_grad(false);
            emaModel->eval();
            ema = std::make_unique<ModelEma>(modelStateDict(*emaModel), modelStateDict(*model));
        }
        std::vector<at::Tensor> params;
        std::vector<AdamWGroup> groups;
        for (auto& p : model->parameters()) {
            if (!p.requires_grad()) continue;
            params.push_back(p);
            groups.push_back({p, 1e-5, 1e-4});
        }
        AdamW optimizer(std::move(groups));
        SetCriterion criterion;
        struct {
            bool autocast;
            c10::ScalarType autocastDtype;
        } ctx{spec.autocast && spec.device.is_cuda(), spec.bf16 ? at::kBFloat16 : at::kHalf};
        for (int batch : spec.batches) {
            const Batch data = syntheticBatch(batch, spec.resolution, spec.model.numClassLogits, spec.boxesPerImage, 1234);
            ProbePoint point;
            point.batch = batch;
            double seconds = 0;
            bool oom = false;
            for (int s = 0; s < spec.warmupSteps + spec.timedSteps && !oom; ++s) {
                synchronize(spec.device);
                const auto t0 = Clock::now();
                try {
                    // The step of train_step.cpp in its two phases, each with its own peak.
                    meter.reset();
                    {
                        const at::Tensor images = data.images.to(spec.device);
                        AutocastScope autocast(ctx.autocast, ctx.autocastDtype);
                        const ModelOutput out = model->forward(images);
                        const LossResult losses = criterion(out, data.targets);
                        synchronize(spec.device);
                        point.forwardBytes = std::max(point.forwardBytes, meter.peak());
                        losses.total.backward();
                    }
                    synchronize(spec.device);
                    point.forwardBackwardBytes = std::max(point.forwardBackwardBytes, meter.peak());
                    meter.reset();
                    clipGradNorm(params, 0.1);
                    optimizer.step();
                    if (ema) ema->update();
                    optimizer.zeroGrad();
                    synchronize(spec.device);
                    point.updateBytes = std::max(point.updateBytes, meter.peak());
                } catch (const std::exception& e) {
                    if (!isOutOfMemory(e)) throw;
                    oom = true;
                }
                if (s >= spec.warmupSteps) seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            }
            if (oom) {
                result.outOfMemoryBatch = batch;
                break;
            }
            point.peakBytes = std::max(point.forwardBackwardBytes, point.updateBytes);
            point.stepSeconds = seconds / std::max(1, spec.timedSteps);
            result.points.push_back(point);
        }
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

ProbeSpec probeSpecFor(const RunConfig& cfg, const c10::Device& device, int numClassLogits) {
    ProbeSpec s;
    s.model = ModelConfig::forSize(cfg.modelSize, numClassLogits);
    s.model.numQueries = cfg.numQueries;
    s.model.groupDetr = cfg.groupDetr;
    s.resolution = resolvedResolution(cfg);
    // Multi-scale runs peak at their largest size.
    for (int size : usableTrainScales(cfg, s.model.patchSize)) s.resolution = std::max(s.resolution, size);
    s.device = device;
    s.autocast = device.is_cuda() && cfg.amp != AmpDtype::Off;
    s.bf16 = cfg.amp != AmpDtype::Fp16;
    s.useEma = cfg.useEma;
    s.timedSteps = device.is_cuda() ? 3 : 1;
    return s;
}

std::string deviceName(const c10::Device& device) {
    if (device.is_cuda()) {
        const int index = device.has_index() ? device.index() : 0;
        std::string name = "cuda:" + std::to_string(index);
        if (Nvml::instance().available())
            if (auto gpu = Nvml::instance().device(index)) name += ": " + gpu->name;
        return name;
    }
    std::ifstream in("/proc/cpuinfo");
    std::string line, model = "CPU";
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) model = line.substr(colon + 2);
            break;
        }
    }
    return "cpu: " + model + " (" + std::to_string(at::get_num_threads()) + " threads)";
}

std::uint64_t deviceMemoryBytes(const c10::Device& device) {
    const DeviceMemoryFacts f = deviceMemoryFacts(device);
    if (device.is_cpu()) {
        // What this process can still get: MemAvailable (total - used).
        return f.totalBytes && f.usedBytes ? *f.totalBytes - *f.usedBytes : 0;
    }
    return f.totalBytes.value_or(0);
}

}  // namespace studio::train
