#include "base/hub_dataset/forms_reader.h"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/parquet/nested.h"
#include "base/parquet/parquet_error.h"

namespace studio::hubdata {

using parquet::ColumnDescriptor;
using parquet::ColumnValues;
using parquet::NestedColumn;
using parquet::ParquetError;
using parquet::PhysicalType;

std::string logicalPath(const std::string& path) {
    std::string out;
    std::stringstream ss(path);
    std::string part;
    while (std::getline(ss, part, '.')) {
        if (part == "list" || part == "item" || part == "element" || part == "array" || part == "bag") continue;
        out += (out.empty() ? "" : ".") + part;
    }
    return out;
}

namespace {

const ColumnDescriptor* findLogical(const parquet::Schema& s, const std::string& logical) {
    for (const auto& c : s.columns())
        if (logicalPath(c.path) == logical) return &c;
    return nullptr;
}

bool isInteger(const ColumnDescriptor* c) {
    return c && (c->type == PhysicalType::Int32 || c->type == PhysicalType::Int64);
}
bool isNumber(const ColumnDescriptor* c) {
    return isInteger(c) || (c && (c->type == PhysicalType::Float || c->type == PhysicalType::Double));
}

// Class names of objects.category from the "huggingface" footer metadata (datasets' Features as JSON).
std::vector<std::string> classNamesFrom(const std::string& hfJson) {
    auto j = nlohmann::json::parse(hfJson, nullptr, false);
    if (!j.is_object()) return {};
    const nlohmann::json* f = &j;
    for (const char* key : {"info", "features", "objects"}) {
        if (!f->is_object() || !f->contains(key)) return {};
        f = &(*f)[key];
    }
    // Sequence({...}) / List({...}): {"feature": {...}}; old list syntax: [ {...} ].
    if (f->is_array() && !f->empty()) f = &(*f)[0];
    if (f->is_object() && f->contains("feature")) f = &(*f)["feature"];
    if (!f->is_object() || !f->contains("category")) return {};
    const auto& cat = (*f)["category"];
    if (!cat.is_object() || !cat.contains("names") || !cat["names"].is_array()) return {};
    std::vector<std::string> names;
    for (const auto& n : cat["names"])
        if (n.is_string()) names.push_back(n.get<std::string>());
    return names;
}

double number(const ColumnValues& v, std::size_t i) {
    return (v.type == PhysicalType::Float || v.type == PhysicalType::Double) ? v.reals[i] : static_cast<double>(v.ints[i]);
}

}  // namespace

FormsShardReader::FormsShardReader(const parquet::ParquetFile& file) : m_file(file) {
    const auto& s = file.schema();
    m_image = findLogical(s, "image.bytes");
    m_width = findLogical(s, "width");
    m_height = findLogical(s, "height");
    m_fileName = findLogical(s, "file_name");
    m_imagePath = findLogical(s, "image.path");
    m_id = findLogical(s, "id");
    m_imageId = findLogical(s, "image_id");
    m_bbox = findLogical(s, "objects.bbox");
    m_category = findLogical(s, "objects.category");
    if (!m_category) m_category = findLogical(s, "objects.label");
    m_area = findLogical(s, "objects.area");
    m_iscrowd = findLogical(s, "objects.iscrowd");
    m_objectId = findLogical(s, "objects.id");

    std::vector<std::string> missing;
    if (!m_image || m_image->type != PhysicalType::ByteArray || m_image->maxRep != 0)
        missing.push_back("image.bytes (binary image)");
    if (!isInteger(m_width) || m_width->maxRep != 0) missing.push_back("width (integer)");
    if (!isInteger(m_height) || m_height->maxRep != 0) missing.push_back("height (integer)");
    if (!isNumber(m_bbox) || m_bbox->maxRep != 2) missing.push_back("objects.bbox (list of [x, y, w, h])");
    if (!isInteger(m_category) || m_category->maxRep != 1) missing.push_back("objects.category (list of class ids)");
    if (!missing.empty()) {
        std::string have;
        for (const auto& c : s.columns()) have += (have.empty() ? "" : ", ") + c.path;
        std::string need;
        for (const auto& m : missing) need += (need.empty() ? "" : "; ") + m;
        throw ParquetError(file.path() + " does not have the CommonForms object-detection layout: missing " + need +
                           ". Columns found: " + have +
                           ". Use a dataset with image{bytes}, width, height and objects{bbox, category} such as "
                           "hf:jbarrow/CommonForms");
    }
    if (m_fileName && m_fileName->type != PhysicalType::ByteArray) m_fileName = nullptr;
    if (m_imagePath && m_imagePath->type != PhysicalType::ByteArray) m_imagePath = nullptr;
    if (!isInteger(m_id) || m_id->maxRep != 0) m_id = nullptr;
    if (!isInteger(m_imageId) || m_imageId->maxRep != 0) m_imageId = nullptr;
    if (!isNumber(m_area) || m_area->maxRep != 1) m_area = nullptr;
    if (!m_iscrowd || m_iscrowd->maxRep != 1 ||
        !(m_iscrowd->type == PhysicalType::Boolean || isInteger(m_iscrowd)))
        m_iscrowd = nullptr;
    if (!isInteger(m_objectId) || m_objectId->maxRep != 1) m_objectId = nullptr;
    m_classNames = classNamesFrom(file.keyValue("huggingface"));
}

std::vector<FormsPage> FormsShardReader::readRowGroup(std::size_t g) const {
    const auto& schema = m_file.schema();
    const std::string where = m_file.path() + " (row group " + std::to_string(g) + ")";
    parquet::ColumnReadOptions locate;
    locate.keepBytes = false;
    locate.recordLocations = true;
    const ColumnValues image = m_file.readColumn(g, *m_image, locate);
    const NestedColumn imageRows = parquet::assembleNested(image, *m_image, schema);
    const ColumnValues width = m_file.readColumn(g, *m_width), height = m_file.readColumn(g, *m_height);
    const NestedColumn widthRows = parquet::assembleNested(width, *m_width, schema);
    const NestedColumn heightRows = parquet::assembleNested(height, *m_height, schema);
    const std::size_t rows = imageRows.numRows;

    auto scalarInts = [&](const ColumnDescriptor* c, std::vector<std::int64_t>& out) {
        out.assign(rows, -1);
        if (!c) return;
        const ColumnValues v = m_file.readColumn(g, *c);
        const NestedColumn n = parquet::assembleNested(v, *c, schema);
        for (std::size_t r = 0; r < rows && r < n.valueIndex.size(); ++r)
            if (n.valueIndex[r] >= 0) out[r] = v.ints[static_cast<std::size_t>(n.valueIndex[r])];
    };
    auto scalarStrings = [&](const ColumnDescriptor* c, std::vector<std::string>& out) {
        out.assign(rows, "");
        if (!c) return;
        const ColumnValues v = m_file.readColumn(g, *c);
        const NestedColumn n = parquet::assembleNested(v, *c, schema);
        for (std::size_t r = 0; r < rows && r < n.valueIndex.size(); ++r)
            if (n.valueIndex[r] >= 0) out[r] = std::string(v.bytesAt(static_cast<std::size_t>(n.valueIndex[r])));
    };
    std::vector<std::int64_t> ids, imageIds;
    std::vector<std::string> names, paths;
    scalarInts(m_id, ids);
    scalarInts(m_imageId, imageIds);
    scalarStrings(m_fileName, names);
    scalarStrings(m_imagePath, paths);

    const ColumnValues bbox = m_file.readColumn(g, *m_bbox);
    const NestedColumn boxes = parquet::assembleNested(bbox, *m_bbox, schema);
    const ColumnValues cat = m_file.readColumn(g, *m_category);
    const NestedColumn cats = parquet::assembleNested(cat, *m_category, schema);
    ColumnValues area, crowd, objId;
    NestedColumn areas, crowds, objIds;
    if (m_area) areas = parquet::assembleNested(area = m_file.readColumn(g, *m_area), *m_area, schema);
    if (m_iscrowd) crowds = parquet::assembleNested(crowd = m_file.readColumn(g, *m_iscrowd), *m_iscrowd, schema);
    if (m_objectId) objIds = parquet::assembleNested(objId = m_file.readColumn(g, *m_objectId), *m_objectId, schema);
    if (boxes.numRows != rows || cats.numRows != rows || widthRows.numRows != rows || heightRows.numRows != rows)
        throw ParquetError(where + ": columns disagree on the number of rows (corrupt file)");

    // Element k of row r in an optional per-object list, -1 when absent (or the list is shorter).
    auto objectAt = [](const NestedColumn& n, std::size_t r, std::uint64_t k) -> std::int64_t {
        const auto [a, b] = n.range(0, r);
        return a + k < b ? n.valueIndex[a + k] : -1;
    };
    std::vector<FormsPage> out(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        FormsPage& p = out[r];
        const std::string rowName = where + " row " + std::to_string(r);
        if (imageRows.valueIndex[r] < 0) throw ParquetError(rowName + ": the image is missing (null image.bytes)");
        if (widthRows.valueIndex[r] < 0 || heightRows.valueIndex[r] < 0)
            throw ParquetError(rowName + ": width or height is missing");
        const auto vi = static_cast<std::size_t>(imageRows.valueIndex[r]);
        p.image = image.locations[vi];
        p.imageBytes = image.byteLength(vi);
        p.width = static_cast<int>(width.ints[static_cast<std::size_t>(widthRows.valueIndex[r])]);
        p.height = static_cast<int>(height.ints[static_cast<std::size_t>(heightRows.valueIndex[r])]);
        p.id = ids[r];
        p.imageId = imageIds[r] >= 0 ? imageIds[r] : ids[r];
        p.fileName = !names[r].empty() ? names[r] : paths[r];
        const auto [b0, b1] = boxes.range(0, r);
        const auto [c0, c1] = cats.range(0, r);
        if (b1 - b0 != c1 - c0)
            throw ParquetError(rowName + ": " + std::to_string(b1 - b0) + " boxes but " + std::to_string(c1 - c0) +
                               " categories");
        for (std::uint64_t k = 0; k < b1 - b0; ++k) {
            const auto [n0, n1] = boxes.range(1, b0 + k);
            if (n1 - n0 != 4)
                throw ParquetError(rowName + ": box " + std::to_string(k) + " has " + std::to_string(n1 - n0) +
                                   " numbers instead of 4 (x, y, w, h)");
            FormsBox b;
            double v[4];
            for (int j = 0; j < 4; ++j) {
                const std::int64_t idx = boxes.valueIndex[n0 + static_cast<std::uint64_t>(j)];
                v[j] = idx < 0 ? std::nan("") : number(bbox, static_cast<std::size_t>(idx));
            }
            b.x = v[0], b.y = v[1], b.w = v[2], b.h = v[3];
            const std::int64_t ci = cats.valueIndex[c0 + k];
            b.label = ci < 0 ? -1 : static_cast<int>(cat.ints[static_cast<std::size_t>(ci)]);
            b.area = b.w * b.h;
            if (m_area) {
                const std::int64_t ai = objectAt(areas, r, k);
                if (ai >= 0) b.area = number(area, static_cast<std::size_t>(ai));
            }
            if (m_iscrowd) {
                const std::int64_t ii = objectAt(crowds, r, k);
                b.iscrowd = ii >= 0 && crowd.ints[static_cast<std::size_t>(ii)] != 0;
            }
            if (m_objectId) {
                const std::int64_t oi = objectAt(objIds, r, k);
                if (oi >= 0) b.id = objId.ints[static_cast<std::size_t>(oi)];
            }
            p.boxes.push_back(b);
        }
    }
    return out;
}

}  // namespace studio::hubdata
