// CocoSaxHandler, second half: storing field values and finishing an element (image, annotation or
// category) once its closing brace is read.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "base/coco/coco_sax_handler.h"

namespace studio::coco_detail {

namespace {
constexpr std::uint32_t bit(int f) {
    return 1u << f;
}
}  // namespace

const char* CocoSaxHandler::fieldName(Field f) {
    switch (f) {
        case Field::Id:
            return "id";
        case Field::FileName:
            return "file_name";
        case Field::Width:
            return "width";
        case Field::Height:
            return "height";
        case Field::ImageId:
            return "image_id";
        case Field::CategoryId:
            return "category_id";
        case Field::Bbox:
            return "bbox";
        case Field::Area:
            return "area";
        case Field::IsCrowd:
            return "iscrowd";
        case Field::Name:
            return "name";
        case Field::Supercategory:
            return "supercategory";
        default:
            return "";
    }
}

void CocoSaxHandler::rejectField(std::string valueDescription) {
    const Field f = m_field;
    m_invalid |= bit(static_cast<int>(f));
    m_present &= ~bit(static_cast<int>(f));
    m_field = Field::Unknown;  // ignore the rest of this value
    issue(f == Field::Bbox ? IssueKind::BadBbox : IssueKind::WrongType, fieldName(f),
          std::move(valueDescription));
}

void CocoSaxHandler::setField(Scalar kind, std::int64_t i, double d, const Text* s) {
    const bool number = kind == Scalar::Integer || kind == Scalar::Float;
    std::int64_t v = 0;
    switch (m_field) {
        case Field::Id:
        case Field::ImageId:
        case Field::CategoryId:
            if (!integerValue(kind, i, d, &v))
                return rejectField(describe(kind, i, d, s));
            (m_field == Field::Id        ? m_id
             : m_field == Field::ImageId ? m_imageId
                                         : m_categoryId) = v;
            break;
        case Field::Width:
        case Field::Height:
            if (!integerValue(kind, i, d, &v) || v < 0 ||
                v > std::numeric_limits<std::int32_t>::max())
                return rejectField(describe(kind, i, d, s));
            (m_field == Field::Width ? m_width : m_height) = static_cast<std::int32_t>(v);
            break;
        case Field::Bbox:
            return rejectField(describe(kind, i, d, s));
        case Field::Area:
            if (!number)
                return rejectField(describe(kind, i, d, s));
            m_area = d;
            break;
        case Field::IsCrowd:
            if (kind == Scalar::Bool)
                v = i;
            else if (!integerValue(kind, i, d, &v))
                return rejectField(describe(kind, i, d, s));
            m_iscrowd = v != 0 ? 1 : 0;
            break;
        case Field::FileName:
        case Field::Name:
            if (kind != Scalar::String)
                return rejectField(describe(kind, i, d, s));
            m_text1 = *s;
            break;
        case Field::Supercategory:
            // rfdetr compares it with "none": a null supercategory simply is not "none".
            if (kind != Scalar::String && kind != Scalar::Null)
                return rejectField(describe(kind, i, d, s));
            if (s)
                m_text2 = *s;
            else
                m_text2.clear();
            break;
        default:
            return;
    }
    m_present |= bit(static_cast<int>(m_field));
}

void CocoSaxHandler::finishElement() {
    m_inElement = false;
    if (m_fakeElement) {
        m_fakeElement = false;
        return;
    }
    auto has = [&](Field f) { return (m_present & bit(static_cast<int>(f))) != 0; };
    auto missing = [&](Field f) { return !has(f) && !(m_invalid & bit(static_cast<int>(f))); };
    auto requireField = [&](Field f) {
        if (missing(f))
            issue(IssueKind::MissingField, fieldName(f));
    };
    switch (m_section) {
        case Section::Images: {
            requireField(Field::Id);
            requireField(Field::FileName);
            if (missing(Field::Width) || missing(Field::Height))
                issue(IssueKind::MissingSize, missing(Field::Width) ? "width" : "height");
            if (!has(Field::Id) || !has(Field::FileName))
                return;
            if (m_out->names.size() + m_text1.size() > std::numeric_limits<std::uint32_t>::max())
                throw std::runtime_error("file names take more than 4 GB");
            ParsedImage im;
            im.id = m_id;
            im.nameOffset = static_cast<std::uint32_t>(m_out->names.size());
            im.nameLength = static_cast<std::uint32_t>(m_text1.size());
            im.width = m_width;
            im.height = m_height;
            m_out->names.append(m_text1.data(), m_text1.size());
            m_out->images.push_back(im);
            return;
        }
        case Section::Annotations: {
            requireField(Field::Id);
            requireField(Field::ImageId);
            requireField(Field::CategoryId);
            if (!has(Field::Bbox)) {
                if (m_bboxKey && !(m_invalid & bit(static_cast<int>(Field::Bbox))))
                    issue(IssueKind::BadBbox, "bbox",
                          m_bboxCount == 4 ? "nested values"
                                           : std::to_string(m_bboxCount) + " values");
                else if (!m_bboxKey)
                    issue(IssueKind::MissingField, "bbox");
            }
            if (!has(Field::ImageId) || !has(Field::CategoryId) || !has(Field::Bbox))
                return;
            if (!has(Field::Area)) {
                if (missing(Field::Area))
                    issue(IssueKind::MissingArea, "area");
                m_area = m_bbox[2] * m_bbox[3];
            }
            ParsedBox& pb = m_out->boxes.emplaceBack();
            pb.box.x = m_bbox[0];
            pb.box.y = m_bbox[1];
            pb.box.w = m_bbox[2];
            pb.box.h = m_bbox[3];
            pb.box.area = m_area;
            pb.box.categoryId = m_categoryId;
            pb.box.iscrowd = m_iscrowd;
            pb.box.annotationId = m_id;
            pb.imageId = m_imageId;
            return;
        }
        case Section::Categories: {
            requireField(Field::Id);
            requireField(Field::Name);
            if (missing(Field::Supercategory))
                issue(IssueKind::MissingSupercategory, "supercategory");
            if (!has(Field::Id))
                return;
            CocoCategory c;
            c.id = m_id;
            c.name.assign(m_text1.data(), m_text1.size());
            c.supercategory.assign(m_text2.data(), m_text2.size());
            m_out->categories.push_back(std::move(c));
            return;
        }
        default:
            return;
    }
}

bool CocoSaxHandler::parse_error(std::size_t, const std::string& lastToken,
                                 const nlohmann::detail::exception& e) {
    m_end.kind = m_source->failed() ? ParseEnd::Kind::ReadError : ParseEnd::Kind::SyntaxError;
    m_end.offset = m_source->offset() == 0 ? 0 : m_source->lastOffset();
    m_end.lastToken = lastToken;
    std::string msg = m_source->failed() ? m_source->error() : e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." ->
    // "syntax error ..."
    if (msg.rfind("[json.exception.", 0) == 0) {
        if (const auto close = msg.find("] "); close != std::string::npos)
            msg.erase(0, close + 2);
    }
    if (msg.rfind("parse error", 0) == 0) {
        if (const auto colon = msg.find(": "); colon != std::string::npos)
            msg.erase(0, colon + 2);
    }
    m_end.message = msg;
    return false;
}

}  // namespace studio::coco_detail
