#pragma once
// Reads CommonForms-style shards (Hugging Face `datasets` object-detection parquet): per row the page's
// ids, file name, size, where its image bytes are, and its boxes with class labels. The column names are
// matched after dropping list wrapper names ("list", "item", "element"), so both the struct-of-lists
// (`Sequence({...})`) and the list-of-structs (`List({...})`) layouts work, whatever the writer called
// the list elements. A file that lacks what is needed gets a ParquetError naming the missing columns.
#include <cstdint>
#include <string>
#include <vector>

#include "base/parquet/column_reader.h"
#include "base/parquet/parquet_file.h"

namespace studio::hubdata {

struct FormsBox {
    double x = 0, y = 0, w = 0, h = 0;  // COCO pixels (top-left corner, size)
    double area = 0;                    // the row's area, else w*h
    int label = 0;                      // the dataset's class index (ClassLabel), 0-based
    bool iscrowd = false;
    std::int64_t id = -1;               // the row's object id, -1 when absent
};

struct FormsPage {
    std::int64_t id = -1;               // "id" column, -1 when absent
    std::int64_t imageId = -1;          // "image_id" column, else id, else -1
    std::string fileName;               // "file_name", else image.path, else ""
    int width = 0, height = 0;
    parquet::ValueLocation image;       // where the PNG/JPEG bytes are
    std::uint64_t imageBytes = 0;
    std::vector<FormsBox> boxes;
};

/// Column paths without list wrapper names: "objects.list.element.bbox.list.element" -> "objects.bbox".
std::string logicalPath(const std::string& path);

class FormsShardReader {
public:
    /// Checks the schema; throws parquet::ParquetError naming the file, what is missing and what was found.
    explicit FormsShardReader(const parquet::ParquetFile& file);

    /// Class names from the file's Hugging Face metadata (ClassLabel of objects.category); empty if none.
    const std::vector<std::string>& classNames() const { return m_classNames; }
    /// Decodes one row group (image bytes are located, not copied). Throws ParquetError naming the file,
    /// row group and what is wrong (e.g. a box that does not have 4 numbers).
    std::vector<FormsPage> readRowGroup(std::size_t rowGroup) const;

private:
    const parquet::ParquetFile& m_file;
    const parquet::ColumnDescriptor* m_image = nullptr;
    const parquet::ColumnDescriptor* m_width = nullptr;
    const parquet::ColumnDescriptor* m_height = nullptr;
    const parquet::ColumnDescriptor* m_fileName = nullptr;
    const parquet::ColumnDescriptor* m_imagePath = nullptr;
    const parquet::ColumnDescriptor* m_id = nullptr;
    const parquet::ColumnDescriptor* m_imageId = nullptr;
    const parquet::ColumnDescriptor* m_bbox = nullptr;
    const parquet::ColumnDescriptor* m_category = nullptr;
    const parquet::ColumnDescriptor* m_area = nullptr;
    const parquet::ColumnDescriptor* m_iscrowd = nullptr;
    const parquet::ColumnDescriptor* m_objectId = nullptr;
    std::vector<std::string> m_classNames;
};

}  // namespace studio::hubdata
