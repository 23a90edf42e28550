#include "base/coco/split_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace studio {

namespace {

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string boxText(const CocoBox& b) {
    return "[" + num(b.x) + ", " + num(b.y) + ", " + num(b.w) + ", " + num(b.h) + "]";
}

void checkRepeatedAnnotationIds(const CocoSplit& split, CappedProblems& problems) {
    const CocoIndex& idx = split.index;
    std::vector<std::int64_t> ids;
    ids.reserve(idx.numBoxes());
    for (std::size_t i = 0; i < idx.numImages(); ++i)
        for (const CocoBox& b : idx.boxes(i))
            ids.push_back(b.annotationId);
    std::sort(ids.begin(), ids.end());
    for (std::size_t i = 0; i < ids.size();) {
        std::size_t j = i + 1;
        while (j < ids.size() && ids[j] == ids[i])
            ++j;
        if (j - i > 1) {
            problems.add("annotation-id-repeated",
                         {Severity::Error,
                          split.annotationFile + ": annotation id " + std::to_string(ids[i]), "",
                          "is used by " + std::to_string(j - i) +
                              " annotations; pycocotools and rfdetr look "
                              "annotations up by id and would load the wrong boxes",
                          "give every annotation a unique id (renumber them 1..N)"});
        }
        i = j;
    }
}

}  // namespace

void checkSplitAnnotations(const CocoSplit& split, const ClassList& classes,
                           const std::vector<ImageSize>& realSizes,
                           const DatasetCheckOptions& options, SplitStats& summary,
                           CappedProblems& problems) {
    const CocoIndex& idx = split.index;
    summary.name = split.name;
    summary.images = idx.numImages();
    summary.boxes = idx.numBoxes();
    summary.skippedAnnotations = idx.skippedAnnotations();
    std::map<std::int64_t, std::uint64_t> perCategory;
    const std::string& file = split.annotationFile;

    for (std::size_t i = 0; i < idx.numImages(); ++i) {
        const Span<CocoBox> boxes = idx.boxes(i);
        summary.maxBoxesPerImage = std::max<std::uint64_t>(summary.maxBoxesPerImage, boxes.size);
        if (boxes.empty())
            ++summary.imagesWithoutBoxes;
        ++summary.boxesPerImage[boxesPerImageBin(boxes.size)];
        if (options.numQueries > 0 && boxes.size > static_cast<std::size_t>(options.numQueries)) {
            problems.add(
                "too-many-boxes",
                {Severity::Warning, file + ": image id " + std::to_string(idx.imageId(i)), "",
                 "has " + std::to_string(boxes.size) + " boxes but the model has " +
                     std::to_string(options.numQueries) +
                     " queries: at most that many can be found",
                 "split such pages, or train with more queries"});
        }
        int w = idx.width(i), h = idx.height(i);
        if (i < realSizes.size() && realSizes[i].width > 0)
            w = realSizes[i].width, h = realSizes[i].height;
        for (const CocoBox& b : boxes) {
            ++perCategory[b.categoryId];
            if (b.iscrowd)
                ++summary.crowdBoxes;
            const std::string where = file + ": annotation id " + std::to_string(b.annotationId);
            if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.w) ||
                !std::isfinite(b.h)) {
                problems.add("box-nonfinite", {Severity::Error, where, boxText(b),
                                               "bbox has a value that is not a finite number",
                                               "correct the box: [x, y, width, height] in pixels"});
                continue;
            }
            if (b.w < 0 || b.h < 0) {
                problems.add(
                    "box-negative",
                    {Severity::Error, where, boxText(b), "bbox has a negative width or height",
                     "COCO boxes are [x, y, width, height] (not x1, y1, x2, y2); correct the box"});
                continue;
            }
            if (b.w == 0 || b.h == 0) {
                problems.add("box-empty",
                             {Severity::Warning, where, boxText(b),
                              "bbox has zero width or height: training drops it, but the COCO "
                              "evaluation still counts it as an object that can never be found",
                              "remove the annotation or give it a real size"});
                continue;
            }
            if (!std::isfinite(b.area) || b.area < 0)
                problems.add("box-area", {Severity::Warning, where, num(b.area),
                                          "\"area\" is negative or not finite: pycocotools' "
                                          "small/medium/large ranges use it",
                                          "set \"area\" to width*height"});
            if (w <= 0 || h <= 0)
                continue;
            const double x2 = b.x + b.w, y2 = b.y + b.h;
            const std::string size = std::to_string(w) + "x" + std::to_string(h);
            if (x2 <= 0 || y2 <= 0 || b.x >= w || b.y >= h) {
                problems.add("box-outside",
                             {Severity::Error, where, boxText(b),
                              "bbox lies entirely outside its " + size + " image (image id " +
                                  std::to_string(idx.imageId(i)) + ")",
                              "correct the box or the image's width/height"});
            } else if (b.x < -1 || b.y < -1 || x2 > w + 1 || y2 > h + 1) {
                const double over = std::max({-b.x, -b.y, x2 - w, y2 - h});
                problems.add("box-partly-outside",
                             {Severity::Warning, where, boxText(b),
                              "bbox extends " + num(over) + " px outside its " + size +
                                  " image; training clips it to the image",
                              "clip the box to the image"});
            }
        }
    }
    for (const auto& [id, count] : perCategory) {
        summary.boxesPerCategory.emplace_back(id, count);
        if (classes.isClass(id) || classes.classes.empty())
            continue;
        for (const CocoCategory& c : idx.categories()) {
            if (c.id != id || c.supercategory != "none")
                continue;
            problems.add("box-none-category",
                         {Severity::Warning, file + ": category id " + std::to_string(id), "",
                          std::to_string(count) + " boxes use category \"" + c.name +
                              "\", whose supercategory is "
                              "\"none\": rfdetr does not count it as a class, yet trains logit " +
                              std::to_string(id) + " on them",
                          "give these boxes their real class, or the category a supercategory "
                          "other than \"none\""});
        }
    }
    checkRepeatedAnnotationIds(split, problems);
}

}  // namespace studio
