#include "base/eval/coco_evaluator.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "base/coco/id_index.h"
#include "base/eval/eval_internal.h"
#include "base/eval/numpy_compat.h"

namespace studio {

using namespace eval_detail;

CocoEvaluator::CocoEvaluator(const CocoIndex& gt) : m_categories(gt.categories()) {
    m_imageIds.reserve(gt.numImages());
    m_firstBox.reserve(gt.numImages() + 1);
    m_boxes.reserve(gt.numBoxes());
    m_fileOrdinal.reserve(gt.numBoxes());
    std::vector<std::int64_t> annIds;
    for (std::size_t i = 0; i < gt.numImages(); ++i) {
        m_imageIds.push_back(gt.imageId(i));
        m_firstBox.push_back(m_boxes.size());
        const Span<CocoBox> boxes = gt.boxes(i);
        for (std::size_t k = 0; k < boxes.size; ++k) {
            const CocoBox& b = boxes[k];
            m_boxes.push_back(
                {b.x, b.y, b.w, b.h, b.area, b.annotationId, b.categoryId, b.iscrowd});
            m_fileOrdinal.push_back(gt.fileOrdinal(i, k));
            annIds.push_back(b.annotationId);
        }
    }
    m_firstBox.push_back(m_boxes.size());
    std::sort(annIds.begin(), annIds.end());
    m_repeatedAnnotationIds = std::adjacent_find(annIds.begin(), annIds.end()) != annIds.end();
}

namespace {

std::vector<std::int64_t> sortedUnique(std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

}  // namespace

EvalResult CocoEvaluator::evaluate(const std::vector<Detection>& detections,
                                   const EvalParams& params) const {
    EvalResult r;
    r.maxDets = params.maxDets;
    std::sort(r.maxDets.begin(), r.maxDets.end());
    if (r.maxDets.size() < 3 || r.maxDets.front() < 0)
        throw std::invalid_argument(
            "maxDets needs at least 3 values of 0 or more (e.g. 1,10,100), as COCO's summary reads "
            "[0], [1] and [2]");
    r.iouThresholds = npcompat::linspace(0.5, 0.95, 10);
    r.recallThresholds = npcompat::linspace(0.0, 1.0, 101);
    std::vector<std::int64_t> catIds;
    for (const auto& c : m_categories)
        catIds.push_back(c.id);
    r.categoryIds = sortedUnique(catIds);
    r.imageIds = sortedUnique(params.imageIds ? *params.imageIds : m_imageIds);
    const std::size_t I = r.imageIds.size(), K = r.numK();

    IdIndex gtImage, evalImage, category;
    gtImage.build(m_imageIds);
    evalImage.build(r.imageIds);
    category.build(r.categoryIds);

    // loadRes: every detection's image must be in the ground truth.
    std::vector<std::int64_t> unknown;
    for (const Detection& d : detections)
        if (!gtImage.find(d.imageId))
            unknown.push_back(d.imageId);
    if (!unknown.empty()) {
        unknown = sortedUnique(unknown);
        std::string list;
        for (std::size_t i = 0; i < unknown.size() && i < 10; ++i)
            list += (i ? ", " : "") + std::to_string(unknown[i]);
        if (unknown.size() > 10)
            list += ", ... (" + std::to_string(unknown.size()) + " in all)";
        throw std::invalid_argument(
            "detections name images that are not in the ground truth (image_id " + list +
            "); pycocotools refuses such results (\"Results do not correspond to current coco "
            "set\")");
    }

    // Ground truth per (image, category), in getAnnIds' order: images by id, boxes in file order.
    // With repeated annotation ids, each box resolves to the last annotation with its id (COCO.anns
    // is a dict).
    std::unordered_map<std::int64_t, std::size_t> lastWithId;
    if (m_repeatedAnnotationIds) {
        for (std::size_t b = 0; b < m_boxes.size(); ++b) {
            auto [it, fresh] = lastWithId.emplace(m_boxes[b].id, b);
            if (!fresh && m_fileOrdinal[b] > m_fileOrdinal[it->second])
                it->second = b;
        }
    }
    std::vector<std::size_t> boxImage(m_boxes.size());
    for (std::size_t i = 0; i + 1 < m_firstBox.size(); ++i)
        for (std::size_t b = m_firstBox[i]; b < m_firstBox[i + 1]; ++b)
            boxImage[b] = i;
    std::vector<std::vector<const GtBox*>> gt(I * K);
    for (std::size_t ii = 0; ii < I; ++ii) {
        const auto pos = gtImage.find(r.imageIds[ii]);
        if (!pos)
            continue;
        for (std::size_t b = m_firstBox[*pos]; b < m_firstBox[*pos + 1]; ++b) {
            if (!category.find(m_boxes[b].categoryId))
                continue;
            std::size_t resolved = b;
            if (m_repeatedAnnotationIds)
                resolved = lastWithId.at(m_boxes[b].id);
            const GtBox& box = m_boxes[resolved];
            const auto img = evalImage.find(m_imageIds[boxImage[resolved]]);
            const auto cat = category.find(box.categoryId);
            if (img && cat)
                gt[*img * K + *cat].push_back(&box);
        }
    }
    // Detections per (image, category) in results order, numbered as loadRes does (position + 1).
    std::vector<std::vector<DtBox>> dt(I * K);
    for (std::size_t n = 0; n < detections.size(); ++n) {
        const Detection& d = detections[n];
        const auto img = evalImage.find(d.imageId);
        const auto cat = category.find(d.categoryId);
        if (!img || !cat)
            continue;
        dt[*img * K + *cat].push_back({d.x, d.y, d.w, d.h, d.w * d.h, d.score, n + 1});
    }

    r.precision.assign(r.numT() * r.numR() * K * kAreas * r.numM(), -1.0);
    r.recall.assign(r.numT() * K * kAreas * r.numM(), -1.0);
    if (params.keepMatchesAt50)
        r.matches50.resize(K);
    const std::size_t maxDet = static_cast<std::size_t>(r.maxDets.back());
    const std::size_t t50 = 0;  // np.isclose(iouThrs, 0.5)
    std::atomic<std::size_t> nextClass{0};
    std::exception_ptr failure;
    std::mutex failureMutex;
    auto work = [&] {
        try {
            for (std::size_t k = nextClass++; k < K; k = nextClass++) {
                ClassDets dets;
                dets.numT = r.numT();
                for (std::size_t ii = 0; ii < I; ++ii) {
                    std::vector<DtBox>& d = dt[ii * K + k];
                    const std::vector<const GtBox*>& g = gt[ii * K + k];
                    if (d.empty() && g.empty())
                        continue;  // evaluateImg returns None
                    std::stable_sort(d.begin(), d.end(), [](const DtBox& a, const DtBox& b) {
                        return npcompat::scoreBefore(a.score, b.score);
                    });
                    if (d.size() > maxDet)
                        d.resize(maxDet);
                    evaluateImage(g, d, r.iouThresholds, dets);
                }
                accumulateClass(dets, k, r);
                if (params.keepMatchesAt50) {
                    ClassMatches50& m = r.matches50[k];
                    m.groundTruth = dets.groundTruth[0];
                    m.scores = dets.score;
                    m.matched.resize(dets.score.size());
                    m.ignored.resize(dets.score.size());
                    for (std::size_t i = 0; i < dets.score.size(); ++i) {
                        const std::uint8_t f = dets.flags[(i * kAreas + 0) * dets.numT + t50];
                        m.matched[i] = (f & kMatched) ? 1 : 0;
                        m.ignored[i] = (f & kIgnored) ? 1 : 0;
                    }
                }
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(failureMutex);
            if (!failure)
                failure = std::current_exception();
            nextClass = K;
        }
    };
    const std::size_t threads =
        std::min<std::size_t>(K, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    if (failure)
        std::rethrow_exception(failure);
    summarize(r);
    return r;
}

}  // namespace studio
