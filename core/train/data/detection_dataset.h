#pragma once
// One COCO split as training samples: image bytes (files beside the annotation file, or any reader such as
// the Hub's parquet-backed ImageStore), decoded and transformed, with rfdetr's ConvertCoco target handling.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/coco/coco_index.h"
#include "base/image/rgb_image.h"
#include "train/data/image_decoder.h"
#include "train/data/sample_rng.h"
#include "train/data/sample_transforms.h"

namespace studio::train {

/// Returns the encoded bytes of a COCO `file_name`; throws std::runtime_error naming the file when it
/// cannot. Called from loader threads concurrently.
using ImageReader = std::function<std::string(const std::string& fileName)>;

/// How samples are transformed: rfdetr's train augmentation, or the eval square resize.
struct SampleTransform {
    enum class Kind { Train, Eval };
    Kind kind = Kind::Eval;
    TrainAugment train;   // with Kind::Train
    int evalSize = 576;   // with Kind::Eval
    bool applyExifOrientation = true;

    static SampleTransform forTraining(const TrainAugment& augment);
    static SampleTransform forEval(int size);
    /// The side of the square images produced.
    int outputSize() const { return kind == Kind::Train ? train.squareSize : evalSize; }
};

/// A transformed sample: the square image and its boxes in its pixels.
struct Sample {
    studio::RgbImage image;
    Annotations annotations;
    std::int64_t imageId = 0;
    int origWidth = 0, origHeight = 0;  // the decoded image's full size (after EXIF orientation)
};

class DetectionDataset {
public:
    /// `reader` defaults to reading files relative to index->directory().
    explicit DetectionDataset(std::shared_ptr<const CocoIndex> index, ImageReader reader = {});

    std::size_t size() const { return m_index->numImages(); }
    const CocoIndex& index() const { return *m_index; }
    /// "<split folder>/<file_name>", for messages.
    std::string imagePath(std::size_t i) const;

    /// Reads, decodes and transforms image i with random choices from `rng`. Throws std::runtime_error
    /// naming the image file and id on unreadable or corrupt images. Any thread.
    Sample load(std::size_t i, const SampleTransform& transform, SampleRng& rng) const;

private:
    std::shared_ptr<const CocoIndex> m_index;
    ImageReader m_reader;
};

}  // namespace studio::train
