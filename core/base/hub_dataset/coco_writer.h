#pragma once
// Writes one split's "_annotations.coco.json" in the Roboflow layout, streaming (CommonForms' train split
// has 436k images and millions of boxes): images first, annotations spooled to a temporary file and
// appended, the whole file committed atomically. Category 0 is the Roboflow super-category
// ("forms", supercategory "none"); dataset class k becomes category k + 1 with supercategory "forms".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/util/atomic_file.h"

namespace studio::hubdata {

constexpr const char* kSuperCategory = "forms";

class CocoSplitWriter {
public:
    /// Starts `jsonPath` (written under a temporary name until commit()). Throws std::runtime_error.
    CocoSplitWriter(const std::string& jsonPath, const std::vector<std::string>& classNames,
                    const std::string& description);
    ~CocoSplitWriter();

    /// Adds an image; returns its COCO id (0, 1, 2, ... in order).
    std::int64_t addImage(const std::string& fileName, int width, int height, std::int64_t sourceImageId);
    /// Adds a box of dataset class `label` (0-based; written as category label + 1).
    void addBox(std::int64_t imageId, double x, double y, double w, double h, double area, int label, bool iscrowd);
    /// Finishes and renames into place. Throws std::runtime_error (e.g. disk full); nothing is left behind.
    void commit();

    std::int64_t images() const { return m_images; }
    std::int64_t boxes() const { return m_boxes; }

private:
    void flush(bool force);
    std::unique_ptr<AtomicFileWriter> m_main;
    std::unique_ptr<AtomicFileWriter> m_annotations;
    std::string m_mainBuf, m_annBuf;
    std::int64_t m_images = 0, m_boxes = 0;
};

/// Shortest decimal text for a number as JSON ("12", "10.5"); non-finite becomes 0.
std::string jsonNumber(double v);

}  // namespace studio::hubdata
