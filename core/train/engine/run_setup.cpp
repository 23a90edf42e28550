#include "train/engine/run_setup.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <cmath>
#include <filesystem>

#include "base/coco/coco_dataset.h"
#include "base/coco/dataset_validator.h"
#include "base/demo/demo_dataset.h"
#include "base/events/event_writer.h"
#include "base/hf/progress.h"
#include "base/hub_dataset/image_store.h"
#include "base/hub_dataset/prepare_hub_dataset.h"
#include "base/runtime/cpu_runtime_env.h"
#include "base/log/log.h"
#include "base/weights/published_weights.h"
#include "train/data/loader_factory.h"
#include "train/dist/dist_context.h"
#include "train/engine/coco_validator.h"
#include "train/engine/loader_sources.h"
#include "train/model/model_weights.h"

namespace studio::train {

namespace {

std::shared_ptr<const CocoIndex> splitIndex(const CocoDataset& dataset, const char* name) {
    const CocoSplit* s = dataset.split(name);
    return s ? std::make_shared<const CocoIndex>(s->index) : nullptr;
}

ImageReader readerFor(const std::string& splitDir) {
    std::shared_ptr<hubdata::ImageStore> store = hubdata::ImageStore::open(splitDir);
    if (!store->parquetBacked()) return {};  // plain image files: the loader reads them itself
    return [store](const std::string& fileName) { return store->read(fileName); };
}

bool parquetBacked(const std::string& datasetFolder) {
    return hubdata::ImageStore::open(datasetFolder + "/train")->parquetBacked();
}

}  // namespace

std::string resolveDatasetFolder(const RunConfig& cfg) {
    if (cfg.dataset == "demo") {
        logger().info("dataset: the built-in demo forms (generated once into the cache)");
        return ensureDemoDataset(cfg.cacheDir);
    }
    if (cfg.dataset.rfind("hf:", 0) == 0) {
        logger().info("dataset: {} from the Hugging Face Hub", cfg.dataset);
        return hubdata::prepareHubDataset(cfg.dataset, cfg.cacheDir, cfg.hfToken,
                                          hf::combineSinks(hf::eventProgressSink(), hf::terminalProgressSink()));
    }
    return cfg.dataset;
}

c10::Device chooseDevice(const RunConfig& cfg, int localRank) {
    const bool cuda = torch::cuda::is_available();
    if (cfg.device == DeviceKind::Cuda || (cfg.device == DeviceKind::Auto && cuda)) {
        if (!cuda)
            throw SetupError("CUDA was requested but this build or machine has no usable GPU",
                             {{Severity::Error, "--device", "cuda", "no CUDA device is available",
                               "use --device cpu, or a build of rfdetr-train with CUDA on a GPU machine"}});
        const int r = std::max(0, localRank);
        const int index = cfg.gpuIds.empty() ? r : cfg.gpuIds[static_cast<std::size_t>(r) % cfg.gpuIds.size()];
        return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    return c10::Device(c10::kCPU);
}

void buildRun(const RunConfig& cfg, const std::string& datasetFolder, TrainerParts& parts, int localRank) {
    // 1. The dataset: rfdetr's layout, a valid split, every image readable (files; Hub shards are checked by
    //    their own index), boxes, classes, pages with more boxes than queries.
    std::vector<Problem> openProblems;
    CocoDataset dataset = CocoDataset::open(datasetFolder, &openProblems);
    DatasetCheckOptions check;
    check.numQueries = cfg.numQueries;
    check.checkImages = !parquetBacked(datasetFolder);
    const DatasetReport report = validateDataset(dataset, openProblems, check);
    if (report.hasErrors())
        throw SetupError("the dataset " + datasetFolder + " cannot be trained on", report.problems);
    for (const auto& p : report.problems) logger().warn("dataset: {}", p.toString());
    const ClassList& classes = dataset.classes();
    if (classes.numLogits < 2)
        throw SetupError("the dataset has no classes",
                         {{Severity::Error, datasetFolder + "/train/_annotations.coco.json", "",
                           "no category is a class (all have supercategory \"none\")",
                           "give the object categories a supercategory other than \"none\""}});
    auto train = splitIndex(dataset, "train");
    auto valid = splitIndex(dataset, "valid");
    auto test = splitIndex(dataset, "test");
    logger().info("dataset {}: {} train / {} valid / {} test images, classes: {}", datasetFolder,
                  train->numImages(), valid->numImages(), test ? test->numImages() : 0, [&] {
                      std::string s;
                      for (const auto& n : classes.names) s += (s.empty() ? "" : ", ") + n;
                      return s;
                  }());

    // 2. The model: from scratch, or fine-tuned from --pretrain-weights (class heads resized as rfdetr does).
    ModelConfig mc = ModelConfig::forSize(cfg.modelSize, classes.numLogits);
    mc.numQueries = cfg.numQueries;
    mc.groupDetr = cfg.groupDetr;
    const int resolution = resolvedResolution(cfg);
    const int tokens = (resolution / mc.patchSize) * (resolution / mc.patchSize);
    if (tokens < cfg.numQueries)
        throw SetupError("the resolution is too small for the query count",
                         {{Severity::Error, "--resolution", std::to_string(resolution),
                           "at " + std::to_string(resolution) + " px the encoder has " + std::to_string(tokens) +
                               " tokens, fewer than the " + std::to_string(cfg.numQueries) +
                               " queries the two-stage head selects",
                           "use --resolution " + std::to_string(32 * ((static_cast<int>(std::ceil(std::sqrt(
                                                                            cfg.numQueries))) * 16 + 31) / 32)) +
                               " or more, or lower --num-queries"}});
    // --seed, "each rank adds its rank" (rfdetr's main()): Torch's generators (CPU and CUDA) start from
    // seed + rank, so the initial weights follow --seed; the initial broadcast then gives every rank rank 0's.
    at::manual_seed(cfg.seed + static_cast<std::uint64_t>(parts.dist ? parts.dist->rank() : 0));
    if (!cfg.pretrainWeights.empty()) {
        // A published name (rf-detr-medium.pth) comes from the cache, downloaded there the first time.
        const std::string weightsFile = resolvePretrainWeights(cfg.pretrainWeights, cfg.cacheDir);
        LoadedModel loaded = buildModelForFineTuning(mc, readCheckpointWeights(weightsFile), classes.numLogits);
        logger().info("fine-tuning from {}: {}", weightsFile, loaded.report.describe());
        parts.model = loaded.model;
        mc = parts.model->config();
    } else {
        parts.model = RFDetr(mc);
        logger().info("model: {} from scratch ({} parameters)", mc.describe(), parts.model->parameterCount());
        if (cfg.dataset != "demo")
            logger().info("RF-DETR is made to be fine-tuned: from scratch it needs many epochs before its mAP leaves 0 "
                          "(--pretrain-weights rf-detr-{}.pth starts from the published COCO weights)",
                          mc.size ? nameOf(*mc.size) : "small");
    }
    if (cfg.useEma) parts.emaModel = RFDetr(mc);
    parts.device = chooseDevice(cfg, localRank);
    if (parts.device.is_cpu()) logger().info("{}, {} threads", describeCpuRuntime(), at::get_num_threads());
    parts.model->to(parts.device);
    if (parts.emaModel) parts.emaModel->to(parts.device);
    parts.criterion = std::make_unique<SetCriterion>();
    parts.classes = classes;

    // 3. Loaders and validators.
    LoaderSetup setup;
    if (parts.dist) {
        setup.rank = parts.dist->rank();
        setup.worldSize = parts.dist->worldSize();
    }
    setup.pinMemory = parts.device.is_cuda();
    std::vector<int> dropped;
    std::vector<int> scales = usableTrainScales(cfg, mc.patchSize, &dropped);
    if (!dropped.empty())
        logger().warn("multi-scale: {} smallest size(s) skipped (fewer tokens than the {} queries)", dropped.size(),
                      cfg.numQueries);
    setup.reader = readerFor(datasetFolder + "/train");
    parts.train = std::make_unique<LoaderTrainSource>(makeTrainLoader(train, cfg, setup), train, std::move(scales));
    CocoValidatorOptions vo;
    vo.numSelect = mc.numSelect;
    vo.device = parts.device;
    vo.autocast = parts.device.is_cuda() && cfg.amp != AmpDtype::Off;
    vo.autocastDtype = cfg.amp == AmpDtype::Fp16 ? at::kHalf : at::kBFloat16;
    setup.reader = readerFor(datasetFolder + "/valid");
    parts.validator = std::make_unique<CocoValidator>(
        std::make_unique<LoaderEvalSource>(makeEvalLoader(valid, cfg, setup), valid, "valid"), parts.dist, vo);
    if (test && test->numImages() > 0) {
        setup.reader = readerFor(datasetFolder + "/test");
        parts.testValidator = std::make_unique<CocoValidator>(
            std::make_unique<LoaderEvalSource>(makeEvalLoader(test, cfg, setup), test, "test"), parts.dist, vo);
    }
}

}  // namespace studio::train
