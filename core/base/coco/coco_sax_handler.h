#pragma once
// The SAX handler that turns a COCO annotation file into ParseOutput while nlohmann::json parses
// it. It keeps only what the index needs (images: id, file_name, width, height; annotations: id,
// image_id, category_id, bbox, area, iscrowd; categories: id, name, supercategory) and skips
// everything else (segmentation, info, licenses...) without building values. For the parallel
// loader it can also start in the middle of the annotations array and stop at given element
// offsets.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/coco/coco_parse_types.h"
#include "base/coco/json_byte_source.h"

namespace studio::coco_detail {

// nlohmann's lexer appends every character of every string and number to a string_t. std::string's
// push_back is compiled into libstdc++ (extern template), so each append is an out-of-line call; a
// basic_string with its own traits type is instantiated here and inlined (~10-25% faster on 0.9
// GB).
struct CocoCharTraits : std::char_traits<char> {};
using CocoJson =
    nlohmann::basic_json<std::map, std::vector, std::basic_string<char, CocoCharTraits>>;

class CocoSaxHandler {
  public:
    using json = CocoJson;

    CocoSaxHandler(JsonByteSource* source, ParseOutput* output) : m_source(source), m_out(output) {}

    /// Parallel mode: `candidates` are byte offsets where annotation elements may start. When an
    /// element starts exactly at candidates[k] (k >= next), `onCandidate(k)` decides: true = go on
    /// (the callback may have redirected the source, see abandonCurrentElement), false = stop the
    /// parse there.
    void setCandidates(const std::vector<std::uint64_t>* candidates, std::size_t next,
                       std::function<bool(std::size_t)> onCandidate);
    void setNextCandidate(std::size_t next) { m_nextCandidate = next; }
    /// Starts as if inside `{"annotations": ` (the source delivers "[" first); stops at the array's
    /// end.
    void beginInsideAnnotations();
    /// The element just started is not real (the source was redirected): skip it, count nothing.
    void abandonCurrentElement();
    /// Sends everything parsed from now on to `output`.
    void switchOutput(ParseOutput* output) { m_out = output; }

    const ParseEnd& end() const { return m_end; }
    /// Byte offset of the "]" that closed the annotations array (speculative mode), if seen.
    std::uint64_t sectionEndOffset() const { return m_sectionEndOffset; }
    bool sawSection(Section s) const { return m_seen[static_cast<int>(s)]; }

    // nlohmann::json SAX interface (called by json::sax_parse; not virtual).
    bool null();
    bool boolean(bool v);
    bool number_integer(json::number_integer_t v);
    bool number_unsigned(json::number_unsigned_t v);
    bool number_float(json::number_float_t v, const json::string_t& text);
    /// The binary readers (never used here, but compiled by sax_parse) pass other string types.
    template <typename S>
    bool number_float(json::number_float_t v, const S&) {
        return scalar(Scalar::Float, 0, v, nullptr);
    }
    bool string(json::string_t& v);
    template <typename S>
    bool string(S&) {
        return scalar(Scalar::Other, 0, 0, nullptr);
    }
    bool binary(json::binary_t&) { return scalar(Scalar::Other, 0, 0, nullptr); }
    bool start_object(std::size_t);
    bool key(json::string_t& k);
    bool end_object();
    bool start_array(std::size_t);
    bool end_array();
    bool parse_error(std::size_t position, const std::string& lastToken,
                     const nlohmann::detail::exception& e);

  private:
    enum class Scalar { Integer, Float, String, Bool, Null, Other };
    enum class Field : std::uint8_t {
        Unknown,
        Id,
        FileName,
        Width,
        Height,
        ImageId,
        CategoryId,
        Bbox,
        Area,
        IsCrowd,
        Name,
        Supercategory
    };
    using Text = json::string_t;
    bool scalar(Scalar kind, std::int64_t i, double d, const Text* s);
    void setField(Scalar kind, std::int64_t i, double d, const Text* s);
    void beginElement();
    void finishElement();
    void issue(IssueKind kind, const char* field = "", std::string value = "");
    void rejectField(std::string valueDescription);
    static const char* fieldName(Field f);
    bool integerValue(Scalar kind, std::int64_t i, double d, std::int64_t* out);
    static std::string describe(Scalar kind, std::int64_t i, double d, const Text* s);

    JsonByteSource* m_source;
    ParseOutput* m_out;
    ParseEnd m_end;
    std::int64_t m_depth = 0;
    Section m_pending = Section::None;  // section named by the last top-level key
    Section m_section = Section::None;  // section whose array is open (depth 2)
    bool m_seen[kSectionCount] = {};
    bool m_insideAnnotationsOnly = false;
    std::uint64_t m_sectionEndOffset = 0;

    // The element (depth 3 object) being read.
    bool m_inElement = false;
    bool m_fakeElement = false;
    Field m_field = Field::Unknown;
    std::uint32_t m_present = 0;  // bit per Field: value read and valid
    std::uint32_t m_invalid = 0;  // bit per Field: value present but unusable (already reported)
    std::uint64_t m_elementIndex = 0;
    std::int64_t m_id = 0, m_imageId = 0, m_categoryId = 0;
    std::int32_t m_width = 0, m_height = 0;
    double m_bbox[4] = {0, 0, 0, 0};
    int m_bboxCount = 0;
    bool m_bboxBad = false;
    bool m_bboxKey = false;
    double m_area = 0;
    std::uint8_t m_iscrowd = 0;
    Text m_text1, m_text2;  // file_name or name, supercategory

    const std::vector<std::uint64_t>* m_candidates = nullptr;
    std::size_t m_nextCandidate = 0;
    std::function<bool(std::size_t)> m_onCandidate;
};

}  // namespace studio::coco_detail
