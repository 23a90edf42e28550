#include "base/config/validate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>

#include "base/config/config_fields.h"
#include "base/hf/hub_token.h"
#include "base/weights/published_weights.h"

namespace studio {

namespace fs = std::filesystem;

namespace {

std::string num(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

struct Checker {
    const RunConfig& cfg;
    const Provenance& prov;
    std::vector<Problem> out;

    std::string label(const std::string& key) const { return fieldLabel(key, prov); }

    // "set BATCH_SIZE=16" / "pass --batch-size 16" / "set "batch_size": 16 in config.json"
    std::string howToSet(const std::string& key, const std::string& example) const {
        const auto it = prov.find(key);
        const ConfigField* f = findFieldByKey(key);
        if (it != prov.end()) {
            switch (it->second.kind) {
                case SourceKind::Env: return "e.g. " + it->second.name + "=" + example;
                case SourceKind::Flag: return "e.g. " + it->second.name + " " + example;
                case SourceKind::ConfigJson: return "e.g. \"" + key + "\": " + example;
                default: break;
            }
        }
        return "e.g. " + (f ? f->flag : key) + " " + example;
    }

    void error(const std::string& key, const std::string& value, const std::string& msg, const std::string& fix) {
        out.push_back({Severity::Error, label(key), value, msg, fix});
    }
    void warning(const std::string& key, const std::string& value, const std::string& msg,
                 const std::string& fix) {
        out.push_back({Severity::Warning, label(key), value, msg, fix});
    }

    void atLeast(const std::string& key, long long v, long long min, const std::string& what,
                 const std::string& example) {
        if (v < min)
            error(key, std::to_string(v), "must be at least " + std::to_string(min),
                  "set it to " + what + ", " + howToSet(key, example));
    }
    void positiveReal(const std::string& key, double v, const std::string& example) {
        if (!(v > 0.0) || !std::isfinite(v))
            error(key, num(v), "must be a positive number", howToSet(key, example));
    }
    void inRange(const std::string& key, double v, double lo, bool loOpen, double hi, bool hiOpen,
                 const std::string& example) {
        const bool okLo = loOpen ? v > lo : v >= lo;
        const bool okHi = hiOpen ? v < hi : v <= hi;
        if (!okLo || !okHi || !std::isfinite(v))
            error(key, num(v),
                  std::string("must be in ") + (loOpen ? "(" : "[") + num(lo) + ", " + num(hi) + (hiOpen ? ")" : "]"),
                  howToSet(key, example));
    }
};

}  // namespace

bool isHubDatasetSpec(const std::string& dataset) {
    static const std::regex re(R"(^hf:[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9._/-]+)?$)");
    return std::regex_match(dataset, re);
}

std::vector<Problem> checkWritableDir(const std::string& dir, const std::string& label) {
    std::vector<Problem> out;
    if (dir.empty()) {
        out.push_back({Severity::Error, label, "", "is empty", "give a folder for the run's files"});
        return out;
    }
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(dir), ec);
    if (fs::exists(p, ec)) {
        if (!fs::is_directory(p, ec)) {
            out.push_back({Severity::Error, label, dir, "exists but is not a folder",
                           "choose a folder path (or remove the file)"});
        } else if (::access(p.c_str(), W_OK | X_OK) != 0) {
            out.push_back({Severity::Error, label, dir, "is not writable",
                           "choose a folder you can write to, or fix its permissions"});
        }
        return out;
    }
    // Walk up to the nearest existing ancestor: it must be a writable folder.
    fs::path parent = p.parent_path();
    while (!parent.empty() && !fs::exists(parent, ec)) {
        if (parent == parent.parent_path()) break;
        parent = parent.parent_path();
    }
    if (parent.empty() || !fs::is_directory(parent, ec)) {
        out.push_back({Severity::Error, label, dir,
                       "cannot be created: " + parent.string() + " is not a folder",
                       "choose a path under a writable folder"});
    } else if (::access(parent.c_str(), W_OK | X_OK) != 0) {
        out.push_back({Severity::Error, label, dir, "cannot be created: " + parent.string() + " is not writable",
                       "choose a path under a folder you can write to"});
    }
    return out;
}

std::vector<Problem> validateRunConfig(const RunConfig& cfg, const Provenance& provenance,
                                       const ValidationContext& ctx) {
    Checker c{cfg, provenance, {}};
    std::error_code ec;

    // Data
    if (cfg.dataset.empty()) {
        c.error("dataset", "", "is empty", "give a COCO folder, hf:<owner>/<name> or demo");
    } else if (cfg.dataset.rfind("hf:", 0) == 0) {
        if (!isHubDatasetSpec(cfg.dataset))
            c.error("dataset", cfg.dataset, "is not a Hugging Face dataset name",
                    "write it as hf:<owner>/<name> or hf:<owner>/<name>@<revision>, e.g. hf:jbarrow/CommonForms");
    } else if (cfg.dataset != "demo") {
        if (!fs::exists(cfg.dataset, ec))
            c.error("dataset", cfg.dataset, "does not exist",
                    "give a COCO dataset folder (with train/ and valid/), hf:<owner>/<name>, or demo");
        else if (!fs::is_directory(cfg.dataset, ec))
            c.error("dataset", cfg.dataset, "is not a folder",
                    "give the dataset folder that holds train/ valid/ test/, not a file inside it");
    }
    c.atLeast("num_workers", cfg.numWorkers, 0, "the number of loader threads", "8");
    if (cfg.numWorkers > 256)
        c.error("num_workers", std::to_string(cfg.numWorkers), "is more than 256 threads",
                "use at most the number of CPU cores, " + c.howToSet("num_workers", "12"));

    // Model
    const int res = cfg.resolution;
    if (res != 0 && (res < 64 || res > 2048 || res % 32 != 0)) {
        const int lower = std::max(64, (res / 32) * 32);
        c.error("resolution", std::to_string(res),
                "must be a multiple of 32 between 64 and 2048 (the ViT uses 16-pixel patches in 2x2 windows)",
                c.howToSet("resolution", std::to_string(lower)));
    }
    if (!cfg.pretrainWeights.empty() && !fs::is_regular_file(cfg.pretrainWeights, ec)) {
        const PublishedWeights* published =
            fs::path(cfg.pretrainWeights).has_parent_path() ? nullptr : findPublishedWeights(cfg.pretrainWeights);
        if (!published)
            c.error("pretrain_weights", cfg.pretrainWeights, "is not a file and not a published checkpoint",
                    "give the path of a .pth checkpoint, one of " + publishedWeightsNames() +
                        " (downloaded once into the cache), or leave it empty to train from scratch");
        else if (published->size != cfg.modelSize)
            c.error("pretrain_weights", cfg.pretrainWeights,
                    std::string("holds RF-DETR ") + nameOf(published->size) + ", not " + nameOf(cfg.modelSize),
                    std::string("use --model-size ") + nameOf(published->size) + ", or the " + nameOf(cfg.modelSize) +
                        " checkpoint " + [&] {
                            for (const auto& w : publishedWeights())
                                if (w.size == cfg.modelSize) return std::string(w.name);
                            return std::string("(none published)");
                        }());
    }
    c.atLeast("num_queries", cfg.numQueries, 1, "the number of object queries", "300");
    c.atLeast("group_detr", cfg.groupDetr, 1, "the number of query groups", "13");

    // Batch and hardware
    c.atLeast("batch_size", cfg.batchSize, 1, "the number of images per GPU", "16");
    c.atLeast("grad_accum_steps", cfg.gradAccumSteps, 1, "the micro-batches per optimiser step", "1");
    c.atLeast("num_gpus", cfg.numGpus, 1, "the number of GPUs to use", "1");
    c.atLeast("nproc_per_node", cfg.nprocPerNode, 0, "the processes per node (0 = num_gpus)", "2");
    if (!cfg.gpuIds.empty() && static_cast<int>(cfg.gpuIds.size()) != cfg.numGpus &&
        provenance.count("num_gpus"))
        c.error("gpu_ids", "", "lists " + std::to_string(cfg.gpuIds.size()) + " GPUs but num_gpus is " +
                                   std::to_string(cfg.numGpus),
                "list exactly num_gpus indices, or leave one of the two unset");

    // GPUs: a dry run plans without the hardware, training needs it.
    const bool wantsCuda = cfg.device == DeviceKind::Cuda;
    const int gpusWanted = cfg.gpuIds.empty() ? cfg.numGpus : static_cast<int>(cfg.gpuIds.size());
    if (ctx.purpose != ValidationPurpose::Edit && ctx.gpusAvailable >= 0) {
        const bool noGpu = ctx.gpusAvailable == 0 || !ctx.cudaBuild;
        std::string why = !ctx.cudaBuild ? "this rfdetr-train was built without CUDA"
                                         : std::to_string(ctx.gpusAvailable) + " GPU(s) visible";
        auto report = [&](const std::string& key, const std::string& value, const std::string& msg,
                          const std::string& fix) {
            if (ctx.purpose == ValidationPurpose::DryRun)
                c.warning(key, value, msg + " (a dry run only plans)", fix);
            else
                c.error(key, value, msg, fix);
        };
        if (wantsCuda && noGpu)
            report("device", "cuda", "asks for CUDA but " + why,
                   ctx.cudaBuild ? "check nvidia-smi and CUDA_VISIBLE_DEVICES, or train on the CPU with --device cpu"
                                 : "build rfdetr-train against a CUDA LibTorch (README, \"Training on GPUs\"), or "
                                   "train on the CPU with --device cpu");
        else if (gpusWanted > 1 && cfg.nprocPerNode == 0 && cfg.device != DeviceKind::Cpu &&
                 gpusWanted > (noGpu ? 0 : ctx.gpusAvailable))
            report("num_gpus", std::to_string(gpusWanted), "asks for more GPUs than present: " + why,
                   "set NUM_GPUS to at most the GPUs listed by nvidia-smi (check CUDA_VISIBLE_DEVICES); on "
                   "a CPU machine use --nproc-per-node N --device cpu");
        for (int id : cfg.gpuIds) {
            if (!noGpu && id >= ctx.gpusAvailable)
                report("gpu_ids", std::to_string(id), "is not a visible GPU (" + why + ")",
                       "pick indices below " + std::to_string(ctx.gpusAvailable));
        }
    }

    // Optimiser and schedule
    c.atLeast("epochs", cfg.epochs, 1, "the number of passes over the data", "30");
    c.positiveReal("lr", cfg.lr, "1e-4");
    c.positiveReal("lr_encoder", cfg.lrEncoder, "1.5e-4");
    c.inRange("lr_vit_layer_decay", cfg.lrVitLayerDecay, 0, true, 1, false, "0.8");
    c.inRange("lr_component_decay", cfg.lrComponentDecay, 0, true, 1, false, "0.7");
    c.inRange("weight_decay", cfg.weightDecay, 0, false, 1, false, "1e-4");
    c.inRange("clip_max_norm", cfg.clipMaxNorm, 0, false, 1e6, false, "0.1");
    c.atLeast("lr_drop", cfg.lrDrop, 0, "an epoch number (0 = never)", "0");
    c.inRange("warmup_epochs", cfg.warmupEpochs, 0, false, 1e6, false, "0");
    c.inRange("lr_min_factor", cfg.lrMinFactor, 0, false, 1, false, "0");

    // EMA and early stopping
    c.inRange("ema_decay", cfg.emaDecay, 0, false, 1, true, "0.993");
    c.positiveReal("ema_tau", cfg.emaTau, "100");
    c.atLeast("early_stopping_patience", cfg.earlyStoppingPatience, 1, "epochs without improvement", "10");
    c.inRange("early_stopping_min_delta", cfg.earlyStoppingMinDelta, 0, false, 1, false, "0.001");
    if (cfg.earlyStopping && cfg.earlyStoppingUseEma && !cfg.useEma)
        c.error("early_stopping_use_ema", "true", "needs use_ema", "turn EMA on or judge on the regular model");

    // Run folder
    if (ctx.purpose != ValidationPurpose::Edit || !cfg.outputDir.empty()) {
        for (auto& p : checkWritableDir(cfg.outputDir, c.label("output_dir"))) c.out.push_back(std::move(p));
    }
    if (cfg.resumeMode == ResumeMode::Path) {
        if (!fs::exists(cfg.resumePath, ec))
            c.error("resume", cfg.resumePath, "does not exist",
                    "give the path of a checkpoint (e.g. <output_dir>/checkpoint.pth), or auto for the newest one");
        else if (!fs::is_regular_file(cfg.resumePath, ec))
            c.error("resume", cfg.resumePath, "is not a file", "give a checkpoint .pth file, or auto");
    }
    c.atLeast("checkpoint_interval", cfg.checkpointInterval, 1, "epochs between numbered checkpoints", "10");
    c.atLeast("eval_interval", cfg.evalInterval, 1, "epochs between evaluations", "1");
    c.atLeast("max_steps", cfg.maxSteps, 0, "a step count (0 = no limit)", "100");
    c.atLeast("dist_timeout_s", cfg.distTimeoutS, 1, "seconds", "600");
    c.atLeast("tensorboard_port", cfg.tensorboardPort, 1, "a TCP port", "6006");
    if (cfg.tensorboardPort > 65535)
        c.error("tensorboard_port", std::to_string(cfg.tensorboardPort), "is not a TCP port (1-65535)",
                c.howToSet("tensorboard_port", "6006"));

    // Hub
    if (cfg.pushToHub) {
        if (cfg.hfUsername.empty() && cfg.hubRepo.empty())
            c.error("hf_username", "", "is needed to push the model to the Hub",
                    "set HF_USERNAME to your Hugging Face user or organisation");
        // The token may also come from the huggingface_hub token file; the token itself is never shown.
        const EnvMap env = ctx.env ? *ctx.env : environmentSnapshot();
        if (!hf::findHubToken(cfg.hfToken, env))
            c.error("hf_token", "", "is needed to push the model to the Hub",
                    "set HF_TOKEN (a write token from huggingface.co/settings/tokens) or log in with `hf auth login` "
                    "(token file " + hf::tokenFilePath(env) + ")");
    }
    return c.out;
}

}  // namespace studio
