#include "base/weights/published_weights.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "base/events/event_writer.h"
#include "base/hf/file_lock.h"
#include "base/hf/http_client.h"
#include "base/log/log.h"
#include "base/util/cache_dir.h"
#include "base/util/env.h"

namespace fs = std::filesystem;

namespace studio {

namespace {

constexpr const char* kRoboflowStorage = "https://storage.googleapis.com/rfdetr";

// A PyTorch checkpoint is a zip archive: it starts with a local file header.
bool looksLikeZip(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

std::uint64_t fileSize(const std::string& path) {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : static_cast<std::uint64_t>(n);
}

// Total size from "Content-Range: bytes a-b/total" (206) or Content-Length (200); 0 when unknown.
std::uint64_t totalSize(const hf::HttpResponse& r, std::uint64_t offset) {
    if (const auto range = r.header("content-range")) {
        const auto slash = range->rfind('/');
        if (slash != std::string::npos && range->compare(slash + 1, std::string::npos, "*") != 0)
            return std::strtoull(range->c_str() + slash + 1, nullptr, 10);
    }
    if (const auto length = r.header("content-length")) return offset + std::strtoull(length->c_str(), nullptr, 10);
    return 0;
}

class Downloader {
public:
    Downloader(std::string url, std::string part, const WeightsDownloadOptions& options)
        : m_url(std::move(url)), m_part(std::move(part)), m_options(options) {}

    // Appends to the .part file until the server says it is complete. Throws with the fix on failure.
    void run() {
        std::string lastError;
        for (int attempt = 1; attempt <= std::max(1, m_options.maxAttempts); ++attempt) {
            if (attempt > 1) {
                logger().warn("download of {} interrupted ({}); retrying ({}/{})", hf::redactUrl(m_url), lastError,
                              attempt, m_options.maxAttempts);
                std::this_thread::sleep_for(std::chrono::milliseconds(200 * (1 << std::min(attempt, 6))));
            }
            const Outcome o = once();
            if (o.complete) return;
            if (!o.retry) throw std::runtime_error(o.error);
            lastError = o.error;
        }
        throw std::runtime_error("could not download " + hf::redactUrl(m_url) + " after " +
                                 std::to_string(m_options.maxAttempts) + " attempts (" + lastError +
                                 "); check the network, or download the file yourself and give its path");
    }

private:
    struct Outcome {
        bool complete = false;
        bool retry = false;
        std::string error;
    };

    Outcome once() {
        const std::uint64_t have = fileSize(m_part);
        std::string url = m_url;
        for (int hop = 0; hop < 5; ++hop) {  // a mirror may redirect
            std::ofstream out;
            std::uint64_t offset = have, total = 0, received = 0;
            const auto started = std::chrono::steady_clock::now();
            hf::HttpRequest req;
            req.url = url;
            if (have > 0) req.headers.push_back("Range: bytes=" + std::to_string(have) + "-");
            req.onStart = [&](long status, const hf::HttpResponse& r) {
                if (status == 200) offset = 0;  // the server ignored the range: start over
                total = totalSize(r, offset);
                out.open(m_part, offset ? std::ios::binary | std::ios::app : std::ios::binary | std::ios::trunc);
                return static_cast<bool>(out);
            };
            req.onBody = [&](const char* data, std::size_t n) {
                out.write(data, static_cast<std::streamsize>(n));
                received += n;
                report(offset + received, total, received, started);
                return static_cast<bool>(out);
            };
            const hf::HttpResponse r = hf::performHttp(req);
            out.close();
            if (r.isRedirect()) {
                const auto location = r.header("location");
                if (!location) return {false, false, hf::redactUrl(url) + " redirected without a Location"};
                url = *location;
                continue;
            }
            if (r.status == 416 && have > 0) {  // the .part already holds everything (or more): check it below
                return {true, false, ""};
            }
            if (r.ok()) {
                const std::uint64_t size = fileSize(m_part);
                if (total > 0 && size != total)
                    return {false, true, "got " + std::to_string(size) + " of " + std::to_string(total) + " bytes"};
                return {true, false, ""};
            }
            if (r.status == 0 || r.aborted || (r.status >= 200 && r.status < 300))  // a broken transfer
                return {false, true, r.transportError.empty() ? std::string("transfer stopped") : r.transportError};
            if (r.status >= 500 || r.status == 429) return {false, true, "HTTP " + std::to_string(r.status)};
            return {false, false,
                    "HTTP " + std::to_string(r.status) + " from " + hf::redactUrl(url) +
                        (r.status == 404 ? ": no such file there (is RFDETR_WEIGHTS_BASE_URL right?)" : "")};
        }
        return {false, false, "too many redirects from " + hf::redactUrl(m_url)};
    }

    void report(std::uint64_t done, std::uint64_t total, std::uint64_t received,
                std::chrono::steady_clock::time_point started) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_lastReport < std::chrono::milliseconds(500) && done != total) return;
        m_lastReport = now;
        ProgressEvent e;
        e.stage = "download";
        e.item = fs::path(m_part).stem().string();
        e.done = static_cast<double>(done);
        e.total = static_cast<double>(total);
        const double seconds = std::chrono::duration<double>(now - started).count();
        e.ratePerS = seconds > 0 ? static_cast<double>(received) / seconds : 0;
        e.etaS = e.ratePerS > 0 && total > done ? static_cast<double>(total - done) / e.ratePerS : -1;
        if (m_options.progress)
            m_options.progress(e);
        else
            events().publish(e);
    }

    std::string m_url, m_part;
    const WeightsDownloadOptions& m_options;
    std::chrono::steady_clock::time_point m_lastReport{};
};

}  // namespace

const std::vector<PublishedWeights>& publishedWeights() {
    // rfdetr's HOSTED_MODELS for the detection sizes the Studio builds (rfdetr-spec.md §0).
    static const std::vector<PublishedWeights> all = {
        {"rf-detr-nano.pth", "nano_coco/checkpoint_best_regular.pth", ModelSize::Nano},
        {"rf-detr-small.pth", "small_coco/checkpoint_best_regular.pth", ModelSize::Small},
        {"rf-detr-medium.pth", "medium_coco/checkpoint_best_regular.pth", ModelSize::Medium},
        {"rf-detr-large-2026.pth", "rf-detr-large-2026.pth", ModelSize::Large},
    };
    return all;
}

const PublishedWeights* findPublishedWeights(std::string_view name) {
    for (const auto& w : publishedWeights())
        if (name == w.name) return &w;
    return nullptr;
}

std::string publishedWeightsNames() {
    std::string out;
    for (const auto& w : publishedWeights()) out += (out.empty() ? "" : ", ") + std::string(w.name);
    return out;
}

std::string weightsBaseUrl(const std::map<std::string, std::string>& env) {
    std::string base = envValue(env, "RFDETR_WEIGHTS_BASE_URL").value_or("");
    if (base.empty()) base = kRoboflowStorage;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
}

std::string publishedWeightsPath(const std::string& name, const std::string& cacheDir) {
    return (fs::path(studioCacheDir(cacheDir)) / "weights" / name).string();
}

std::string resolvePretrainWeights(const std::string& value, const std::string& cacheDir,
                                   const WeightsDownloadOptions& options) {
    std::error_code ec;
    if (fs::is_regular_file(value, ec)) return value;
    const PublishedWeights* published = fs::path(value).has_parent_path() ? nullptr : findPublishedWeights(value);
    if (!published)
        throw std::runtime_error(value + " is not a file and not a published checkpoint: give the path of a .pth "
                                 "checkpoint, or one of " + publishedWeightsNames() + " (downloaded once)");
    const std::string target = publishedWeightsPath(value, cacheDir);
    if (fs::is_regular_file(target, ec)) return target;

    fs::create_directories(fs::path(target).parent_path(), ec);
    if (ec)
        throw std::runtime_error("cannot create " + fs::path(target).parent_path().string() + ": " + ec.message() +
                                 "; set CACHE_DIR (--cache-dir) to a writable folder");
    hf::FileLock lock(target + ".lock", 0, [&] {
        logger().info("waiting for another process that is downloading {}", target);
    });
    if (fs::is_regular_file(target, ec)) return target;  // the other process finished it

    const std::string base = options.baseUrl.empty() ? weightsBaseUrl(environmentSnapshot()) : options.baseUrl;
    const std::string url = base + "/" + published->path;
    const std::string part = target + ".part";
    logger().info("downloading {} from {} into {}{}", value, hf::redactUrl(url), target,
                  fileSize(part) ? " (resuming)" : "");
    try {
        Downloader(url, part, options).run();
    } catch (const std::runtime_error& e) {  // e.g. no internet here: the file can come another way
        throw std::runtime_error(std::string(e.what()) + " (or copy " + value + " to " + target + ")");
    }
    if (!looksLikeZip(part)) {
        fs::remove(part, ec);  // a proxy's error page or a truncated start: never resume from it
        throw std::runtime_error(hf::redactUrl(url) + " did not send a PyTorch checkpoint (no zip archive); "
                                 "check RFDETR_WEIGHTS_BASE_URL or a proxy between you and the storage");
    }
    fs::rename(part, target, ec);
    if (ec) throw std::runtime_error("cannot rename " + part + " to " + target + ": " + ec.message());
    logger().info("{}: {:.1f} MB", target, static_cast<double>(fileSize(target)) / 1e6);
    return target;
}

}  // namespace studio
