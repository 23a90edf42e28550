// buildPreparedDataset: parquet shards -> COCO split folders + image index (or extracted images).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "base/hub_dataset/coco_writer.h"
#include "base/hub_dataset/forms_reader.h"
#include "base/hub_dataset/image_index.h"
#include "base/hub_dataset/prepare_hub_dataset.h"
#include "base/log/log.h"
#include "base/parquet/parquet_error.h"
#include "base/util/atomic_file.h"

namespace studio::hubdata {

namespace fs = std::filesystem;
using parquet::ParquetError;
using parquet::ParquetFile;

namespace {

constexpr int kPreparedVersion = 1;
const std::vector<std::string> kCommonFormsClasses = {"Text", "CheckBox", "Signature"};

const char* modeName(HubImageMode m) { return m == HubImageMode::Index ? "parquet-index" : "extracted"; }

// The Hub split that plays each role; validation is never `test` (the original script's bug).
std::vector<std::pair<std::string, std::string>> chooseSplits(const hf::FetchedDataset& fetched) {
    const auto names = fetched.splitNames();
    auto has = [&](const std::string& s) { return std::find(names.begin(), names.end(), s) != names.end(); };
    std::string found;
    for (const auto& n : names) found += (found.empty() ? "" : ", ") + n;
    if (!has("train"))
        throw std::runtime_error("dataset " + fetched.repo.id + " has no `train` split (splits found: " + found +
                                 "); the trainer needs train and valid splits");
    std::string valid;
    for (const char* cand : {"valid", "validation", "val", "dev"})
        if (valid.empty() && has(cand)) valid = cand;
    if (valid.empty())
        throw std::runtime_error("dataset " + fetched.repo.id + " has no validation split (`valid`, `validation` or "
                                 "`val`; splits found: " + found + "). The test split is never used for validation; "
                                 "add a valid split to the dataset");
    std::vector<std::pair<std::string, std::string>> out = {{"train", "train"}, {"valid", valid}};
    if (has("test")) out.emplace_back("test", "test");
    return out;
}

// Class names: the ClassLabel names in the shards' metadata, CommonForms' names for CommonForms, else
// "class_<k>" up to the largest label seen.
std::vector<std::string> classNamesOf(const hf::FetchedDataset& fetched) {
    for (const auto& f : fetched.files) {
        auto file = ParquetFile::open(f.localPath);
        FormsShardReader reader(*file);
        if (!reader.classNames().empty()) return reader.classNames();
    }
    std::string lower = fetched.repo.id;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("commonforms") != std::string::npos) return kCommonFormsClasses;
    int maxLabel = -1;
    for (const auto& f : fetched.files) {
        auto file = ParquetFile::open(f.localPath);
        FormsShardReader reader(*file);
        for (std::size_t g = 0; g < file->numRowGroups(); ++g)
            for (const auto& p : reader.readRowGroup(g))
                for (const auto& b : p.boxes) maxLabel = std::max(maxLabel, b.label);
    }
    std::vector<std::string> names;
    for (int k = 0; k <= maxLabel; ++k) names.push_back("class_" + std::to_string(k));
    logger().warn("{}: no ClassLabel names in the parquet metadata; naming the classes class_0..class_{}",
                  fetched.repo.id, maxLabel);
    return names;
}

// Clips a box to the page; false when nothing usable is left.
bool clipBox(FormsBox& b, int width, int height, bool& clipped) {
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.w) || !std::isfinite(b.h)) return false;
    const double x0 = std::max(0.0, b.x), y0 = std::max(0.0, b.y);
    const double x1 = std::min<double>(width, b.x + b.w), y1 = std::min<double>(height, b.y + b.h);
    clipped = x0 != b.x || y0 != b.y || x1 != b.x + b.w || y1 != b.y + b.h;
    if (x1 <= x0 || y1 <= y0) return false;
    if (clipped) {
        b.x = x0, b.y = y0, b.w = x1 - x0, b.h = y1 - y0;
        b.area = b.w * b.h;
    }
    return true;
}

std::string safeFileName(const std::string& name) {
    // A file name from the data must stay inside its split folder.
    if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." ||
        name == ".." || name[0] == '_')
        return "";
    return name;
}

SplitSummary buildSplit(const hf::FetchedDataset& fetched, const std::string& folder, const std::string& source,
                        const std::string& dir, const std::vector<std::string>& classes, HubImageMode mode,
                        hf::ProgressMeter& meter) {
    SplitSummary s;
    s.name = folder;
    s.sourceSplit = source;
    fs::create_directories(dir);
    CocoSplitWriter coco(dir + "/_annotations.coco.json", classes,
                         fetched.repo.id + "@" + fetched.commit + " split " + source);
    ImageIndex index;
    std::set<std::string> names;
    const auto shards = fetched.split(source);
    s.shards = shards.size();
    for (std::uint32_t si = 0; si < shards.size(); ++si) {
        const std::string& path = shards[si]->localPath;
        auto file = ParquetFile::open(path);
        FormsShardReader reader(*file);
        if (!reader.classNames().empty() && reader.classNames() != classes)
            throw ParquetError(path + " names its classes differently from the other shards; the shards do not "
                                      "belong to one dataset revision — fetch the dataset again");
        index.shards.push_back(fs::absolute(path).string());
        index.shardSizes.push_back(file->fileSize());
        meter.setItem(shards[si]->repoPath);
        std::uint64_t cachedPage = UINT64_MAX;
        std::vector<std::uint8_t> raw, page;
        for (std::size_t g = 0; g < file->numRowGroups(); ++g) {
            const auto pages = reader.readRowGroup(g);
            for (std::size_t r = 0; r < pages.size(); ++r) {
                FormsPage p = pages[r];
                std::string name = safeFileName(p.fileName);
                if (name.empty() || !names.insert(name).second) {
                    name = source + "-" + std::to_string(s.images) + ".png";
                    names.insert(name);
                }
                const std::int64_t imageId = coco.addImage(name, p.width, p.height, p.imageId);
                for (FormsBox b : p.boxes) {
                    if (b.label < 0 || b.label >= static_cast<int>(classes.size()))
                        throw ParquetError(path + " (row group " + std::to_string(g) + " row " + std::to_string(r) +
                                           "): class " + std::to_string(b.label) + " is outside 0.." +
                                           std::to_string(classes.size() - 1) + " (" + std::to_string(classes.size()) +
                                           " class names); the shard does not match the dataset's classes");
                    bool clipped = false;
                    if (!clipBox(b, p.width, p.height, clipped)) {
                        ++s.droppedBoxes;
                        continue;
                    }
                    if (clipped) ++s.clippedBoxes;
                    coco.addBox(imageId, b.x, b.y, b.w, b.h, b.area, b.label, b.iscrowd);
                }
                if (mode == HubImageMode::Index) {
                    index.images.push_back({name, imageId, si, p.image});
                } else if (p.image.direct()) {
                    writeFileAtomic(dir + "/" + name, file->readValue(p.image));
                } else {
                    if (cachedPage != p.image.bodyOffset) {  // neighbours share pages: decode each once
                        raw.resize(p.image.compressedBytes);
                        file->readAt(p.image.bodyOffset, raw.data(), raw.size());
                        parquet::decodePageBody(raw.data(), p.image, page);
                        cachedPage = p.image.bodyOffset;
                    }
                    if (static_cast<std::uint64_t>(p.image.offset) + p.image.length > page.size())
                        throw ParquetError(path + ": an image lies outside its page (corrupt file)");
                    writeFileAtomic(dir + "/" + name,
                                    std::string_view(reinterpret_cast<const char*>(page.data()) + p.image.offset,
                                                     p.image.length));
                }
                ++s.images;
                meter.add(1);
            }
        }
    }
    s.boxes = coco.boxes();
    coco.commit();
    if (mode == HubImageMode::Index) writeImageIndex(dir + "/" + kImageIndexFile, index);
    return s;
}

}  // namespace

PreparedDataset buildPreparedDataset(const hf::FetchedDataset& fetched, const std::string& outDir, HubImageMode mode,
                                     const hf::ProgressSink& progress) {
    const auto roles = chooseSplits(fetched);
    PreparedDataset out;
    out.dir = outDir;
    out.repo = fetched.repo.id;
    out.commit = fetched.commit;
    out.mode = mode;
    out.classNames = classNamesOf(fetched);
    if (out.classNames.empty())
        throw std::runtime_error("dataset " + fetched.repo.id + " has no labelled boxes at all; nothing to train on");

    double rows = 0;
    for (const auto& [folder, source] : roles)
        for (const auto* f : fetched.split(source)) rows += static_cast<double>(ParquetFile::open(f->localPath)->numRows());
    hf::ProgressMeter meter(mode == HubImageMode::Index ? "index" : "extract", rows, progress);

    const std::string tmp = outDir + ".tmp." + std::to_string(::getpid());
    std::error_code ec;
    fs::remove_all(tmp, ec);
    try {
        fs::create_directories(tmp);
        for (const auto& [folder, source] : roles)
            out.splits.push_back(buildSplit(fetched, folder, source, tmp + "/" + folder, out.classNames, mode, meter));
        nlohmann::json info = {{"version", kPreparedVersion},
                               {"repo", out.repo},
                               {"commit", out.commit},
                               {"revision", fetched.repo.revision},
                               {"images", modeName(mode)},
                               {"categories_note", "category 0 'forms' (supercategory none); class k -> category k+1"},
                               {"class_names", out.classNames},
                               {"splits", nlohmann::json::array()}};
        for (const auto& s : out.splits) {
            info["splits"].push_back({{"name", s.name}, {"source_split", s.sourceSplit}, {"images", s.images},
                                      {"boxes", s.boxes}, {"dropped_boxes", s.droppedBoxes},
                                      {"clipped_boxes", s.clippedBoxes}, {"shards", s.shards}});
            if (s.droppedBoxes || s.clippedBoxes)
                logger().warn("{} split {}: dropped {} empty boxes, clipped {} boxes to the page", out.repo, s.name,
                              s.droppedBoxes, s.clippedBoxes);
        }
        writeFileAtomic(tmp + "/dataset_info.json", info.dump(2) + "\n");  // written last: marks completion
        fs::remove_all(outDir, ec);
        fs::create_directories(fs::path(outDir).parent_path());
        fs::rename(tmp, outDir);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    meter.flush();
    return out;
}

bool loadPreparedDataset(const std::string& dir, PreparedDataset& out) {
    std::error_code ec;
    if (!fs::exists(dir + "/dataset_info.json", ec)) return false;
    auto j = nlohmann::json::parse(readFile(dir + "/dataset_info.json"), nullptr, false);
    if (!j.is_object() || j.value("version", 0) != kPreparedVersion) return false;
    out.dir = dir;
    out.repo = j.value("repo", "");
    out.commit = j.value("commit", "");
    out.mode = j.value("images", "") == modeName(HubImageMode::Extract) ? HubImageMode::Extract : HubImageMode::Index;
    out.classNames = j.value("class_names", std::vector<std::string>{});
    out.splits.clear();
    for (const auto& s : j.value("splits", nlohmann::json::array())) {
        SplitSummary ss;
        ss.name = s.value("name", "");
        ss.sourceSplit = s.value("source_split", "");
        ss.images = s.value("images", std::int64_t{0});
        ss.boxes = s.value("boxes", std::int64_t{0});
        ss.droppedBoxes = s.value("dropped_boxes", std::int64_t{0});
        ss.clippedBoxes = s.value("clipped_boxes", std::int64_t{0});
        ss.shards = s.value("shards", std::size_t{0});
        if (!fs::exists(dir + "/" + ss.name + "/_annotations.coco.json", ec)) return false;
        out.splits.push_back(ss);
    }
    return !out.splits.empty();
}

}  // namespace studio::hubdata
