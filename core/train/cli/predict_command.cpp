// rfdetr-train predict: run a checkpoint on an image, print the detections (class, score, box in pixels;
// rfdetr's PostProcess) and optionally write the image with the boxes drawn. Several --image options load
// the model once and print one result per image as it is done (with --json: one JSON object per line; an
// unreadable image gives {"image":..., "error":...} and exit code 1 at the end) — the Studio's Preview.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "base/util/env.h"
#include "base/weights/published_weights.h"
#include "train/cli/commands.h"
#include "train/cli/detection_overlay.h"
#include "train/cli/image_file.h"
#include "train/io/pth_file.h"
#include "train/model/predictor.h"

namespace studio::train {

namespace {

const std::vector<OptionSpec>& predictOptions() {
    static const std::vector<OptionSpec> specs = {
        {"--weights", true, "FILE", "checkpoint (.pth) written by rfdetr or the Studio, or a published name "
                                    "(rf-detr-medium.pth ...; downloaded once into the cache)"},
        {"--image", true, "IMG", "image to run on (JPEG, PNG, BMP, ...); repeat for several (model loaded once)"},
        {"--threshold", true, "T", "keep detections with score > T (default 0.5)"},
        {"--output", true, "OUT.png", "also write the image with the detections drawn"},
        {"--model-size", true, "SIZE", "nano, small, medium or large (default: recognised from the checkpoint)"},
        {"--resolution", true, "PX", "input side in pixels, a multiple of 32 (default: the size's)"},
        {"--num-select", true, "N", "candidates kept before the threshold (default 300; 100 for large)"},
        {"--ema", false, "", "use the checkpoint's EMA weights (ema_model) when present"},
        {"--device", true, "DEV", "auto (default), cpu, cuda or cuda:N"},
        {"--json", false, "", "print one JSON object instead of a table"},
        {"--help", false, "", "show this help"},
    };
    return specs;
}

[[noreturn]] void usage(const std::string& message) { throw UsageError("rfdetr-train predict: " + message); }

double parseNumber(const std::string& name, const std::string& text, double lo, double hi) {
    try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && v >= lo && v <= hi) return v;
    } catch (const std::exception&) {
    }
    char range[96];
    std::snprintf(range, sizeof range, "expected a number in [%g, %g]", lo, hi);
    usage(name + " " + text + ": " + range);
}

nlohmann::json resultJson(const Predictor& predictor, const std::string& imagePath, const RgbImage& image,
                          double threshold, double ms, const std::vector<Detection>& dets) {
    nlohmann::json j;
    j["image"] = imagePath;
    j["width"] = image.width;
    j["height"] = image.height;
    j["model_size"] = predictor.config().size ? nameOf(*predictor.config().size) : "custom";
    j["resolution"] = predictor.resolution();
    j["threshold"] = threshold;
    j["device"] = predictor.device().str();
    j["milliseconds"] = ms;
    j["detections"] = nlohmann::json::array();
    for (const auto& d : dets)
        j["detections"].push_back({{"class_id", d.label},
                                   {"class_name", predictor.className(d.label)},
                                   {"score", d.score},
                                   {"box_xyxy", {d.x1, d.y1, d.x2, d.y2}}});
    return j;
}

void printTable(const Predictor& predictor, const std::string& imagePath, const RgbImage& image, double threshold,
                double ms, const std::vector<Detection>& dets) {
    char line[512];
    std::snprintf(line, sizeof line, "%s: %dx%d, %zu detection(s) with score > %g (RF-DETR %s, %d px, %s, %.0f ms)\n",
                  imagePath.c_str(), image.width, image.height, dets.size(), threshold,
                  predictor.config().size ? nameOf(*predictor.config().size) : "custom", predictor.resolution(),
                  predictor.device().str().c_str(), ms);
    std::cout << line;
    if (!dets.empty()) {
        std::snprintf(line, sizeof line, "%6s  %-16s %6s %9s %9s %9s %9s\n", "class", "name", "score", "x1", "y1", "x2", "y2");
        std::cout << line;
    }
    for (const auto& d : dets) {
        std::snprintf(line, sizeof line, "%6lld  %-16s %6.3f %9.1f %9.1f %9.1f %9.1f\n", static_cast<long long>(d.label),
                      predictor.className(d.label).c_str(), d.score, d.x1, d.y1, d.x2, d.y2);
        std::cout << line;
    }
}

double millisecondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Several images, one model load: each result is printed (and flushed) as soon as it is known.
int predictEach(Predictor& predictor, const std::vector<std::string>& images, double threshold, bool json) {
    int failures = 0;
    for (const std::string& path : images) {
        RgbImage image;
        try {
            image = decodeImageFile(path);
        } catch (const std::runtime_error& e) {
            ++failures;
            if (json) std::cout << nlohmann::json{{"image", path}, {"error", e.what()}}.dump() << std::endl;
            else std::fprintf(stderr, "rfdetr-train predict: %s\n", e.what());
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<Detection> dets = predictor.predict(image.pixels.data(), image.width, image.height, threshold);
        const double ms = millisecondsSince(t0);
        if (json) std::cout << resultJson(predictor, path, image, threshold, ms, dets).dump() << std::endl;
        else printTable(predictor, path, image, threshold, ms, dets);
        std::cout.flush();
    }
    return failures ? kExitFailure : kExitOk;
}

}  // namespace

int runPredictCommand(const Args& args) {
    const ParsedOptions o = parseOptions(args, predictOptions());
    if (o.flag("--help")) {
        std::cout << "Usage: rfdetr-train predict --weights FILE --image IMG [--image IMG2 ...] [--threshold T] [--json]\n"
                  << "                             [--output OUT.png]\n\n"
                  << "Runs an RF-DETR checkpoint on images and prints the detections (class, score, box in\n"
                  << "pixels x1 y1 x2 y2), as rfdetr's predict() does. Several --image load the model once; with\n"
                  << "--json each image then prints one JSON object per line as soon as it is done.\n\nOptions:\n"
                  << formatOptionHelp(predictOptions());
        return kExitOk;
    }
    if (hasErrors(o.problems)) usage(formatProblems(o.problems));
    if (!o.positionals.empty()) usage("unexpected argument '" + o.positionals[0] + "'");
    PredictorOptions popt;
    if (auto w = o.get("--weights")) popt.weightsPath = *w; else usage("--weights FILE is required");
    if (findPublishedWeights(popt.weightsPath) && !std::filesystem::exists(popt.weightsPath)) {
        try {  // a published name: from the cache (CACHE_DIR), downloaded there the first time
            WeightsDownloadOptions download;
            download.progress = [](const ProgressEvent&) {};  // stdout is the detections' (--json); the log says it
            popt.weightsPath = resolvePretrainWeights(
                popt.weightsPath, envValue(environmentSnapshot(), "CACHE_DIR").value_or(""), download);
        } catch (const std::runtime_error& e) {
            std::cerr << "rfdetr-train predict: " << e.what() << "\n";
            return kExitFailure;
        }
    }
    const auto imageValues = o.values.find("--image");
    const std::vector<std::string> images = imageValues == o.values.end() ? std::vector<std::string>{} : imageValues->second;
    if (images.empty()) usage("--image IMG is required");
    const std::optional<std::string> imagePath = images.front();
    if (images.size() > 1 && o.get("--output")) usage("--output draws one image: give a single --image with it");
    const double threshold = o.get("--threshold") ? parseNumber("--threshold", *o.get("--threshold"), 0.0, 1.0) : 0.5;
    if (auto s = o.get("--model-size")) {
        popt.size = parseModelSize(*s);
        if (!popt.size) usage("--model-size " + *s + ": expected one of " + modelSizeChoices());
    }
    if (auto r = o.get("--resolution")) {
        popt.resolution = static_cast<int>(parseNumber("--resolution", *r, 32, 4096));
        if (popt.resolution % 32 || std::to_string(popt.resolution) != *r)
            usage("--resolution " + *r + ": must be a whole multiple of 32 (patch 16 x 2 windows), e.g. " +
                  std::to_string((popt.resolution + 16) / 32 * 32));
    }
    if (auto n = o.get("--num-select")) popt.numSelect = static_cast<int>(parseNumber("--num-select", *n, 1, 1e6));
    popt.useEma = o.flag("--ema");
    if (auto d = o.get("--device")) popt.device = *d;

    RgbImage image;
    if (images.size() == 1) {
        try {
            image = decodeImageFile(*imagePath);
        } catch (const std::runtime_error& e) {
            usage(e.what());
        }
    }
    std::optional<Predictor> predictor;
    try {
        predictor.emplace(popt);
    } catch (const PthError& e) {
        usage(e.what());
    } catch (const WeightsError& e) {
        usage(e.what());
    } catch (const std::invalid_argument& e) {
        usage(e.what());
    }
    if (images.size() > 1) return predictEach(*predictor, images, threshold, o.flag("--json"));
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Detection> dets = predictor->predict(image.pixels.data(), image.width, image.height, threshold);
    const double ms = millisecondsSince(t0);

    if (auto out = o.get("--output")) {
        std::vector<OverlayBox> boxes;
        for (const auto& d : dets) {
            const std::string name = predictor->className(d.label);
            char caption[128];
            std::snprintf(caption, sizeof caption, "%s %.2f", name.empty() ? std::to_string(d.label).c_str() : name.c_str(),
                          d.score);
            boxes.push_back({d.x1, d.y1, d.x2, d.y2, static_cast<int>(d.label), caption});
        }
        drawOverlay(image, boxes);
        try {
            writePngFile(*out, image);
        } catch (const std::runtime_error& e) {
            std::fprintf(stderr, "rfdetr-train predict: %s\n", e.what());
            return kExitFailure;
        }
    }

    if (o.flag("--json")) {
        std::cout << resultJson(*predictor, *imagePath, image, threshold, ms, dets).dump(2) << "\n";
        return kExitOk;
    }
    printTable(*predictor, *imagePath, image, threshold, ms, dets);
    return kExitOk;
}

}  // namespace studio::train
