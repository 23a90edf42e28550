#pragma once
// RunConfig: the one typed description of a training run (ARCHITECTURE §3). Plain values, defaults in
// defaultRunConfig(); every source (config.json, the seed's environment variables, CLI flags, the GUI)
// writes into this struct through the field table in config_fields.h.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/config/model_sizes.h"

namespace studio {

enum class ResumeMode { None, Path, Auto };
enum class DeviceKind { Auto, Cpu, Cuda };
enum class AmpDtype { Bf16, Fp16, Off };
enum class LrSchedule { Step, Cosine };
/// Precision of the gradient all-reduce between processes (DDP's compression hooks): None sends fp32
/// (exact), Bf16 / Fp16 half the bytes at half precision (Fp16 is scaled by 1/world first, as DDP's
/// fp16_compress_hook, so the sum cannot overflow).
enum class GradCompression { None, Bf16, Fp16 };

struct RunConfig {
    // Data
    std::string dataset = "demo";          // folder (COCO layout), "hf:<owner>/<name>[@rev]", or "demo"
    std::string cacheDir;                  // downloads, demo data, index caches ("" = XDG cache)
    int numWorkers = 2;                    // data-loader threads per process

    // Model
    ModelSize modelSize = ModelSize::Medium;
    int resolution = 0;                    // 0 = the size's default (512 / 576 / 704)
    std::string pretrainWeights;           // .pth to fine-tune from ("" = from scratch)
    int numQueries = 300;
    int groupDetr = 13;

    // Batch and hardware
    int batchSize = 4;                     // images per GPU (per process) per micro-batch
    int gradAccumSteps = 4;                // micro-batches per optimiser step
    int numGpus = 1;                       // processes on this node when training on CUDA
    std::vector<int> gpuIds;               // explicit CUDA devices (empty = 0..numGpus-1)
    int nprocPerNode = 0;                  // CPU/Gloo processes (0 = numGpus)
    DeviceKind device = DeviceKind::Auto;
    AmpDtype amp = AmpDtype::Bf16;         // autocast dtype on CUDA (CPU always trains in fp32)

    // Optimiser and schedule (rfdetr TrainConfig defaults)
    int epochs = 100;
    double lr = 1e-4;
    double lrEncoder = 1.5e-4;
    double lrVitLayerDecay = 0.8;
    double lrComponentDecay = 0.7;
    double weightDecay = 1e-4;
    double clipMaxNorm = 0.1;
    LrSchedule lrScheduler = LrSchedule::Step;
    int lrDrop = 0;                        // epoch of the 10x step drop (0 = epochs, i.e. never)
    double warmupEpochs = 0.0;
    double lrMinFactor = 0.0;              // cosine floor as a fraction of the lr
    bool multiScale = true;
    bool expandedScales = true;

    // EMA and early stopping
    bool useEma = true;
    double emaDecay = 0.993;
    double emaTau = 100.0;
    bool earlyStopping = false;
    int earlyStoppingPatience = 10;
    double earlyStoppingMinDelta = 0.001;
    bool earlyStoppingUseEma = false;

    // Run folder, checkpoints, resume
    std::string outputDir = "output";
    ResumeMode resumeMode = ResumeMode::None;
    std::string resumePath;                // with ResumeMode::Path
    int checkpointInterval = 10;           // epochs between checkpointNNNN.pth
    int evalInterval = 1;                  // epochs between validation passes
    long long maxSteps = 0;                // stop after this many optimiser steps (0 = no limit)
    std::uint64_t seed = 42;
    bool tensorboard = true;               // write TensorBoard scalars to <output_dir>/tb
    bool serveTensorboard = false;         // start a TensorBoard server on <output_dir>/tb while training
    int tensorboardPort = 6006;            // its preferred port (the next free one when taken)
    bool keepEffectiveBatch = false;       // on resume with another world size, adapt accumulation
    int distTimeoutS = 600;                // rendezvous / collective timeout
    GradCompression gradCompression = GradCompression::None;  // gradient all-reduce precision

    // Hugging Face Hub (the seed's HF_TOKEN / HF_USERNAME)
    std::string hfToken;                   // secret: never printed, logged or saved
    std::string hfUsername;
    bool pushToHub = false;
    std::string hubRepo;                   // "" = <hf_username>/rfdetr-<size>-<dataset>

    std::string logLevel = "info";
};

/// The defaults: rfdetr 1.4.1's TrainConfig for `size` (rfdetr-spec.md §6.1).
RunConfig defaultRunConfig(ModelSize size = ModelSize::Medium);

/// Resolution actually used: cfg.resolution or the size's default.
int resolvedResolution(const RunConfig& cfg);
/// Processes on this node: nprocPerNode if set, else numGpus.
int processesPerNode(const RunConfig& cfg);
/// The effective batch: batch per process x accumulation x world size. Computed only here.
long long effectiveBatchSize(int batchSize, int gradAccumSteps, int worldSize);
long long effectiveBatchSize(const RunConfig& cfg, int nodes = 1);
/// "16 × 1 × 4 = 64" — the formula as users read it.
std::string effectiveBatchFormula(int batchSize, int gradAccumSteps, int worldSize);
/// rfdetr's rule for tiny datasets (fewer images than this many effective batches): every epoch draws this
/// many batches with replacement instead of one pass.
inline constexpr int kMinStepsPerEpoch = 5;
/// Optimiser steps per epoch for `trainImages` images: ceil(images / effective batch) as rfdetr's schedule
/// computes it, and kMinStepsPerEpoch for tiny datasets, which is what the sampler then draws. (rfdetr's
/// schedule keeps ceil there, e.g. 1 step for 4 images, so its warmup, lr drop and cosine run up to 5x too
/// early; the Studio's schedule follows the steps actually taken.)
long long stepsPerEpoch(long long trainImages, long long effectiveBatch);

/// Lower-case names as users write them ("auto", "cuda", ...). (Not toString: QTest would find it by ADL.)
const char* nameOf(ResumeMode m);
const char* nameOf(DeviceKind d);
const char* nameOf(AmpDtype a);
const char* nameOf(GradCompression c);
const char* nameOf(LrSchedule s);
std::optional<DeviceKind> parseDeviceKind(const std::string& s);
std::optional<AmpDtype> parseAmpDtype(const std::string& s);
std::optional<GradCompression> parseGradCompression(const std::string& s);
std::optional<LrSchedule> parseLrSchedule(const std::string& s);

/// The resume setting as users write it: "", "auto" or a path.
std::string resumeSetting(const RunConfig& cfg);
void setResumeSetting(RunConfig& cfg, const std::string& value);

}  // namespace studio
