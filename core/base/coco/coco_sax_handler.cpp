#include "base/coco/coco_sax_handler.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace studio::coco_detail {

namespace {

constexpr std::uint32_t bit(int f) {
    return 1u << f;
}

bool keyIs(const CocoJson::string_t& k, const char* literal) {
    const std::size_t n = std::strlen(literal);
    return k.size() == n && std::memcmp(k.data(), literal, n) == 0;
}

Section classifySection(const CocoJson::string_t& k) {
    if (keyIs(k, "annotations"))
        return Section::Annotations;
    if (keyIs(k, "images"))
        return Section::Images;
    if (keyIs(k, "categories"))
        return Section::Categories;
    return Section::Other;
}

bool isRecordSection(Section s) {
    return s == Section::Images || s == Section::Annotations || s == Section::Categories;
}

}  // namespace

const char* sectionKey(Section s) {
    switch (s) {
        case Section::Images:
            return "images";
        case Section::Annotations:
            return "annotations";
        case Section::Categories:
            return "categories";
        default:
            return "";
    }
}

void CocoSaxHandler::setCandidates(const std::vector<std::uint64_t>* candidates, std::size_t next,
                                   std::function<bool(std::size_t)> onCandidate) {
    m_candidates = candidates;
    m_nextCandidate = next;
    m_onCandidate = std::move(onCandidate);
}

void CocoSaxHandler::beginInsideAnnotations() {
    m_depth = 1;
    m_pending = Section::Annotations;
    m_insideAnnotationsOnly = true;
}

void CocoSaxHandler::abandonCurrentElement() {
    if (!m_inElement || m_fakeElement)
        return;
    m_fakeElement = true;
    --m_out->elements[static_cast<int>(m_section)];
}

std::string CocoSaxHandler::describe(Scalar kind, std::int64_t i, double d, const Text* s) {
    switch (kind) {
        case Scalar::Integer:
            return std::to_string(i);
        case Scalar::Float: {
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            return buf;
        }
        case Scalar::String: {
            std::string t = s ? std::string(s->data(), s->size()) : std::string();
            if (t.size() > 60)
                t = t.substr(0, 57) + "...";
            return "\"" + t + "\"";
        }
        case Scalar::Bool:
            return i ? "true" : "false";
        case Scalar::Null:
            return "null";
        default:
            return "a binary value";
    }
}

void CocoSaxHandler::issue(IssueKind kind, const char* field, std::string value) {
    ParseIssue is;
    is.kind = kind;
    is.section = m_section;
    is.element = m_elementIndex;
    if (m_present & bit(static_cast<int>(Field::Id)))
        is.id = m_id;
    is.field = field;
    is.value = std::move(value);
    m_out->issues.add(std::move(is));
}

bool CocoSaxHandler::integerValue(Scalar kind, std::int64_t i, double d, std::int64_t* out) {
    if (kind == Scalar::Integer) {
        *out = i;
        return true;
    }
    // 9.2e18 keeps the cast in range; integral floats ("id": 7.0) are what Python would accept as
    // keys.
    if (kind == Scalar::Float && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
        *out = static_cast<std::int64_t>(d);
        return true;
    }
    return false;
}

void CocoSaxHandler::beginElement() {
    m_inElement = true;
    m_fakeElement = false;
    m_field = Field::Unknown;
    m_present = 0;
    m_invalid = 0;
    m_bboxKey = false;
    m_elementIndex = m_out->elements[static_cast<int>(m_section)]++;
    m_id = m_imageId = m_categoryId = 0;
    m_width = m_height = 0;
    m_bboxCount = 0;
    m_bboxBad = false;
    m_area = 0;
    m_iscrowd = 0;
    m_text1.clear();
    m_text2.clear();
}

bool CocoSaxHandler::start_object(std::size_t) {
    ++m_depth;
    if (m_depth == 2) {
        if (isRecordSection(m_pending)) {
            m_section = m_pending;
            issue(IssueKind::SectionNotArray, sectionKey(m_pending), "an object");
            m_section = Section::None;
        }
        m_pending = Section::None;
    } else if (m_depth == 3 && isRecordSection(m_section)) {
        beginElement();
        if (m_candidates && m_section == Section::Annotations) {
            const std::uint64_t at = m_source->lastOffset();
            const auto& c = *m_candidates;
            while (m_nextCandidate < c.size() && c[m_nextCandidate] < at)
                ++m_nextCandidate;
            if (m_nextCandidate < c.size() && c[m_nextCandidate] == at) {
                const std::size_t k = m_nextCandidate++;
                if (!m_onCandidate(k)) {
                    --m_out->elements[static_cast<int>(m_section)];
                    m_inElement = false;
                    m_end.kind = ParseEnd::Kind::Stopped;
                    m_end.offset = at;
                    return false;
                }
            }
        }
    } else if (m_depth == 4 && m_inElement && !m_fakeElement && m_field != Field::Unknown) {
        if (m_field == Field::Bbox)
            m_bboxBad = true;
        else
            rejectField("an object");
    } else if (m_depth == 5 && m_inElement && m_field == Field::Bbox) {
        m_bboxBad = true;
    }
    return true;
}

bool CocoSaxHandler::end_object() {
    if (m_depth == 3 && m_inElement)
        finishElement();
    --m_depth;
    return true;
}

bool CocoSaxHandler::start_array(std::size_t) {
    ++m_depth;
    if (m_depth == 1) {
        issue(IssueKind::TopLevelNotObject, "", "an array");
        m_end.kind = ParseEnd::Kind::Structure;
        m_end.offset = m_source->lastOffset();
        return false;
    }
    if (m_depth == 2) {
        m_section = m_pending;
        m_pending = Section::None;
        if (isRecordSection(m_section)) {
            const int s = static_cast<int>(m_section);
            if (m_seen[s])
                issue(IssueKind::SectionRepeated, sectionKey(m_section), "");
            m_seen[s] = true;
        }
    } else if (m_depth == 3 && isRecordSection(m_section)) {
        m_elementIndex = m_out->elements[static_cast<int>(m_section)]++;
        m_present = 0;
        issue(IssueKind::ElementNotObject, "", "an array");
    } else if (m_depth == 4 && m_inElement && !m_fakeElement && m_field != Field::Unknown) {
        if (m_field == Field::Bbox)
            m_bboxCount = 0;
        else
            rejectField("an array");
    } else if (m_depth == 5 && m_inElement && m_field == Field::Bbox) {
        m_bboxBad = true;
    }
    return true;
}

bool CocoSaxHandler::end_array() {
    if (m_depth == 2) {
        if (m_insideAnnotationsOnly && m_section == Section::Annotations) {
            m_sectionEndOffset = m_source->lastOffset();
            m_end.kind = ParseEnd::Kind::Stopped;
            m_end.offset = m_sectionEndOffset;
            --m_depth;
            return false;
        }
        m_section = Section::None;
    } else if (m_depth == 4 && m_inElement && m_field == Field::Bbox) {
        if (!m_bboxBad && m_bboxCount == 4)
            m_present |= bit(static_cast<int>(Field::Bbox));
        else
            m_bboxBad = true;
    }
    --m_depth;
    return true;
}

bool CocoSaxHandler::key(json::string_t& k) {
    if (m_depth == 1) {
        m_pending = classifySection(k);
    } else if (m_depth == 3 && m_inElement) {
        Field f = Field::Unknown;
        if (keyIs(k, "id")) {
            f = Field::Id;
        } else if (m_section == Section::Annotations) {
            if (keyIs(k, "bbox"))
                f = Field::Bbox;
            else if (keyIs(k, "image_id"))
                f = Field::ImageId;
            else if (keyIs(k, "category_id"))
                f = Field::CategoryId;
            else if (keyIs(k, "area"))
                f = Field::Area;
            else if (keyIs(k, "iscrowd"))
                f = Field::IsCrowd;
        } else if (m_section == Section::Images) {
            if (keyIs(k, "file_name"))
                f = Field::FileName;
            else if (keyIs(k, "width"))
                f = Field::Width;
            else if (keyIs(k, "height"))
                f = Field::Height;
        } else if (m_section == Section::Categories) {
            if (keyIs(k, "name"))
                f = Field::Name;
            else if (keyIs(k, "supercategory"))
                f = Field::Supercategory;
        }
        m_field = f;
        if (f == Field::Bbox) {
            m_bboxKey = true;
            m_bboxBad = false;
            m_bboxCount = 0;
            m_present &= ~bit(static_cast<int>(Field::Bbox));
        }
    }
    return true;
}

bool CocoSaxHandler::null() {
    return scalar(Scalar::Null, 0, 0, nullptr);
}
bool CocoSaxHandler::boolean(bool v) {
    return scalar(Scalar::Bool, v ? 1 : 0, v ? 1 : 0, nullptr);
}
bool CocoSaxHandler::number_integer(json::number_integer_t v) {
    return scalar(Scalar::Integer, v, static_cast<double>(v), nullptr);
}
bool CocoSaxHandler::number_unsigned(json::number_unsigned_t v) {
    if (v > static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max()))
        return scalar(Scalar::Float, 0, static_cast<double>(v), nullptr);
    return scalar(Scalar::Integer, static_cast<std::int64_t>(v), static_cast<double>(v), nullptr);
}
bool CocoSaxHandler::number_float(json::number_float_t v, const json::string_t&) {
    return scalar(Scalar::Float, 0, v, nullptr);
}
bool CocoSaxHandler::string(json::string_t& v) {
    return scalar(Scalar::String, 0, 0, &v);
}

bool CocoSaxHandler::scalar(Scalar kind, std::int64_t i, double d, const Text* s) {
    if (m_depth == 0) {
        issue(IssueKind::TopLevelNotObject, "", describe(kind, i, d, s));
        m_end.kind = ParseEnd::Kind::Structure;
        m_end.offset = m_source->lastOffset();
        return false;
    }
    if (m_depth == 1) {
        if (isRecordSection(m_pending)) {
            m_section = m_pending;
            issue(IssueKind::SectionNotArray, sectionKey(m_pending), describe(kind, i, d, s));
            m_section = Section::None;
        }
        m_pending = Section::None;
    } else if (m_depth == 2 && isRecordSection(m_section)) {
        m_elementIndex = m_out->elements[static_cast<int>(m_section)]++;
        m_present = 0;
        issue(IssueKind::ElementNotObject, "", describe(kind, i, d, s));
    } else if (m_depth == 3 && m_inElement && !m_fakeElement && m_field != Field::Unknown) {
        setField(kind, i, d, s);
    } else if (m_depth == 4 && m_inElement && m_field == Field::Bbox) {
        if ((kind == Scalar::Integer || kind == Scalar::Float) && m_bboxCount < 4)
            m_bbox[m_bboxCount] = d;
        else
            m_bboxBad = true;
        ++m_bboxCount;
    }
    return true;
}

}  // namespace studio::coco_detail
