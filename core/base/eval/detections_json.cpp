#include "base/eval/detections_json.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "base/coco/capped_problems.h"
#include "base/coco/coco_sax_handler.h"
#include "base/coco/json_byte_source.h"
#include "base/util/atomic_file.h"

namespace studio {

namespace {

using Json = coco_detail::CocoJson;

/// Depth 1: the array; 2: a detection object; 3: its bbox array.
class DetectionsHandler {
  public:
    DetectionsHandler(JsonByteSource* source, const std::string& path, std::vector<Detection>* out,
                      CappedProblems* problems)
        : m_source(source), m_path(path), m_out(out), m_problems(problems) {}

    bool null() { return value(false, 0, "null"); }
    bool boolean(bool v) { return value(false, 0, v ? "true" : "false"); }
    bool number_integer(Json::number_integer_t v) {
        return value(true, static_cast<double>(v), "", true, v);
    }
    bool number_unsigned(Json::number_unsigned_t v) {
        const bool fits = v <= static_cast<Json::number_unsigned_t>(INT64_MAX);
        return value(true, static_cast<double>(v), "", fits,
                     fits ? static_cast<std::int64_t>(v) : 0);
    }
    bool number_float(Json::number_float_t v, const Json::string_t&) { return value(true, v, ""); }
    template <typename S>
    bool number_float(Json::number_float_t v, const S&) {
        return value(true, v, "");
    }
    bool string(Json::string_t& s) {
        return value(false, 0,
                     "\"" + std::string(s.data(), std::min<std::size_t>(s.size(), 40)) + "\"");
    }
    template <typename S>
    bool string(S&) {
        return value(false, 0, "a string");
    }
    bool binary(Json::binary_t&) { return value(false, 0, "binary"); }
    bool key(Json::string_t& k) {
        if (m_depth == 2)
            m_field = std::string(k.data(), k.size());
        return true;
    }
    bool start_object(std::size_t) {
        ++m_depth;
        if (m_depth == 1)
            return notArray("an object");
        if (m_depth == 2) {
            m_det = Detection{};
            m_have = 0;
            m_reported = false;
            m_bboxCount = 0;
            m_bboxBad = false;
        } else if (m_depth == 3 && m_field == "bbox") {
            m_bboxBad = true;
        }
        return true;
    }
    bool end_object() {
        if (m_depth == 2)
            finish();
        --m_depth;
        return true;
    }
    bool start_array(std::size_t) {
        ++m_depth;
        if (m_depth == 2)
            bad("is an array, not an object");
        if (m_depth == 3 && m_field == "bbox")
            m_bboxCount = 0, m_bboxBad = false;
        if (m_depth > 3 && m_field == "bbox")
            m_bboxBad = true;
        return true;
    }
    bool end_array() {
        if (m_depth == 3 && m_field == "bbox" && !m_bboxBad && m_bboxCount == 4)
            m_have |= kBbox;
        --m_depth;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
        m_syntaxError = e.what();
        if (const auto p = m_syntaxError.find("] ");
            m_syntaxError.rfind("[json.exception.", 0) == 0 && p != std::string::npos)
            m_syntaxError.erase(0, p + 2);
        if (const auto p = m_syntaxError.find(": ");
            m_syntaxError.rfind("parse error", 0) == 0 && p != std::string::npos)
            m_syntaxError.erase(0, p + 2);
        m_errorOffset = m_source->offset() == 0 ? 0 : m_source->lastOffset();
        return false;
    }
    const std::string& syntaxError() const { return m_syntaxError; }
    std::uint64_t errorOffset() const { return m_errorOffset; }
    bool topLevelWrong() const { return m_topLevelWrong; }

  private:
    static constexpr int kImage = 1, kCategory = 2, kBbox = 4, kScore = 8;

    bool notArray(const std::string& what) {
        m_topLevelWrong = true;
        m_problems->add(
            "top", {Severity::Error, m_path, "", "holds " + what + ", not an array of detections",
                    "a COCO results file is [{\"image_id\": ..., \"category_id\": ..., \"bbox\": "
                    "[x, y, w, h], \"score\": ...}, ...]"});
        return false;
    }
    void bad(const std::string& message) {
        m_problems->add(
            message,
            {Severity::Error, m_path + ": detection [" + std::to_string(m_count) + "]", "", message,
             "each detection needs image_id, category_id, bbox [x, y, width, height] and score"});
    }
    /// A scalar: `number` with its double value `v` (and exact `i` when `integer`), or `text`
    /// otherwise.
    bool value(bool number, double v, const std::string& text, bool integer = false,
               std::int64_t i = 0) {
        if (m_depth == 0)
            return notArray(text.empty() ? "a number" : text);
        if (m_depth == 1) {
            bad("is " + (text.empty() ? std::string("a number") : text) + ", not an object");
            ++m_count;
            return true;
        }
        if (m_depth == 3 && m_field == "bbox") {
            if (!number || m_bboxCount >= 4)
                m_bboxBad = true;
            else
                m_bbox[m_bboxCount] = v;
            ++m_bboxCount;
            return true;
        }
        if (m_depth != 2)
            return true;
        if (m_field == "image_id" || m_field == "category_id") {
            const bool integral =
                number && std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.2e18;
            if (!integral) {
                bad("\"" + m_field + "\" must be an integer");
                m_reported = true;
                return true;
            }
            const std::int64_t id = integer ? i : static_cast<std::int64_t>(v);
            (m_field == "image_id" ? m_det.imageId : m_det.categoryId) = id;
            m_have |= m_field == "image_id" ? kImage : kCategory;
        } else if (m_field == "score") {
            if (!number) {
                bad("\"score\" must be a number");
                m_reported = true;
                return true;
            }
            m_det.score = v;
            m_have |= kScore;
        } else if (m_field == "bbox") {
            m_bboxBad = true;
        }
        return true;
    }
    void finish() {
        if ((m_have & (kImage | kCategory | kBbox | kScore)) ==
            (kImage | kCategory | kBbox | kScore)) {
            m_det.x = m_bbox[0];
            m_det.y = m_bbox[1];
            m_det.w = m_bbox[2];
            m_det.h = m_bbox[3];
            m_out->push_back(m_det);
        } else if (!m_reported) {
            std::string missing;
            if (!(m_have & kImage))
                missing += " image_id";
            if (!(m_have & kCategory))
                missing += " category_id";
            if (!(m_have & kBbox))
                missing += " bbox";
            if (!(m_have & kScore))
                missing += " score";
            bad("lacks a usable" + missing);
        }
        ++m_count;
    }

    JsonByteSource* m_source;
    std::string m_path;
    std::vector<Detection>* m_out;
    CappedProblems* m_problems;
    int m_depth = 0;
    std::uint64_t m_count = 0;
    std::string m_field;
    Detection m_det;
    int m_have = 0, m_bboxCount = 0;
    double m_bbox[4] = {0, 0, 0, 0};
    bool m_bboxBad = false, m_topLevelWrong = false, m_reported = false;
    std::string m_syntaxError;
    std::uint64_t m_errorOffset = 0;
};

}  // namespace

std::vector<Detection> loadDetectionsJson(const std::string& path, std::vector<Problem>& problems) {
    std::vector<Detection> out;
    CappedProblems capped;
    JsonByteSource source(path);
    DetectionsHandler handler(&source, path, &out, &capped);
    const bool ok =
        Json::sax_parse(source.begin(), source.end(), &handler, Json::input_format_t::json, true);
    if (!ok && !handler.syntaxError().empty()) {
        const TextPosition pos = textPositionOf(path, handler.errorOffset());
        problems.push_back(
            {Severity::Error,
             path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column), "",
             "malformed JSON at line " + std::to_string(pos.line) + ", column " +
                 std::to_string(pos.column) + ": " + handler.syntaxError(),
             "repair or re-create the results file"});
    }
    capped.appendTo(problems);
    return out;
}

void saveDetectionsJson(const std::string& path, const std::vector<Detection>& detections) {
    AtomicFileWriter w(path);
    w.write("[");
    char buf[256];
    for (std::size_t i = 0; i < detections.size(); ++i) {
        const Detection& d = detections[i];
        if (!std::isfinite(d.x) || !std::isfinite(d.y) || !std::isfinite(d.w) ||
            !std::isfinite(d.h) || !std::isfinite(d.score))
            throw std::invalid_argument(path + ": detection " + std::to_string(i) +
                                        " has a value that is not a finite number");
        const int n =
            std::snprintf(buf, sizeof buf,
                          "%s{\"image_id\": %lld, \"category_id\": %lld, \"bbox\": [%.17g, %.17g, "
                          "%.17g, %.17g], \"score\": %.17g}",
                          i ? ",\n" : "\n", static_cast<long long>(d.imageId),
                          static_cast<long long>(d.categoryId), d.x, d.y, d.w, d.h, d.score);
        w.write(buf, static_cast<std::size_t>(n));
    }
    w.write("\n]\n");
    w.commit();
}

}  // namespace studio
