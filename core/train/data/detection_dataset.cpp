#include "train/data/detection_dataset.h"

#include <stdexcept>

#include "base/util/atomic_file.h"

namespace studio::train {

SampleTransform SampleTransform::forTraining(const TrainAugment& augment) {
    SampleTransform t;
    t.kind = Kind::Train;
    t.train = augment;
    return t;
}

SampleTransform SampleTransform::forEval(int size) {
    SampleTransform t;
    t.kind = Kind::Eval;
    t.evalSize = size;
    return t;
}

DetectionDataset::DetectionDataset(std::shared_ptr<const CocoIndex> index, ImageReader reader)
    : m_index(std::move(index)), m_reader(std::move(reader)) {
    if (!m_index) throw std::invalid_argument("DetectionDataset: no annotation index");
    if (!m_reader) {
        const std::string dir = m_index->directory();
        m_reader = [dir](const std::string& fileName) { return readFile(dir + "/" + fileName); };
    }
}

std::string DetectionDataset::imagePath(std::size_t i) const {
    return m_index->directory() + "/" + std::string(m_index->fileName(i));
}

Sample DetectionDataset::load(std::size_t i, const SampleTransform& t, SampleRng& rng) const {
    const std::string path = imagePath(i);
    Sample s;
    s.imageId = m_index->imageId(i);
    try {
        std::string bytes = m_reader(std::string(m_index->fileName(i)));
        const ImageInfo info = readImageInfo(bytes, path);
        const bool orient = t.applyExifOrientation;
        s.origWidth = orient ? info.orientedWidth() : info.width;
        s.origHeight = orient ? info.orientedHeight() : info.height;

        const TransformPlan plan = t.kind == SampleTransform::Kind::Train
                                       ? planTrainTransform(s.origWidth, s.origHeight, t.train, rng)
                                       : planEvalTransform(s.origWidth, s.origHeight, t.evalSize);
        // Decode only as much resolution as the plan uses (DCT scaling of large JPEGs).
        DecodeOptions decode;
        decode.applyExifOrientation = orient;
        decode.minWidth = plan.resizeCrop ? plan.midWidth : plan.outSize;
        decode.minHeight = plan.resizeCrop ? plan.midHeight : plan.outSize;
        auto rows = openImage(std::move(bytes), path, decode);
        s.image = applyPlan(*rows, plan);

        const Span<CocoBox> boxes = m_index->boxes(i);
        std::vector<float> xywh;
        std::vector<std::int64_t> labels;
        std::vector<std::uint8_t> crowd;
        xywh.reserve(boxes.size * 4);
        for (const CocoBox& b : boxes) {
            xywh.insert(xywh.end(), {float(b.x), float(b.y), float(b.w), float(b.h)});
            labels.push_back(b.categoryId);
            crowd.push_back(b.iscrowd);
        }
        s.annotations = cocoToAnnotations(xywh, labels, crowd, s.origWidth, s.origHeight);
        transformBoxes(s.annotations, plan);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        // Decoder messages already start with the path; reading errors name it too.
        throw std::runtime_error(what + " (image id " + std::to_string(s.imageId) + " of the split in " +
                                 m_index->directory() + ")");
    }
    return s;
}

}  // namespace studio::train
