#include "base/coco/coco_fast_records.h"

#if STUDIO_HAVE_SIMDJSON

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace studio::coco_detail {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

/// A JSON number as CocoSaxHandler sees it: nlohmann reports integers up to INT64_MAX as integers,
/// larger unsigned ones as floats (their double value), everything else with its double value.
struct Number {
    bool isInteger = false;
    std::int64_t i = 0;
    double d = 0;
};

bool readNumber(element e, Number* out) {
    switch (e.type()) {
        case element_type::INT64: {
            const std::int64_t v = e.get_int64().value_unsafe();
            *out = {true, v, static_cast<double>(v)};
            return true;
        }
        case element_type::UINT64:  // simdjson: only values above INT64_MAX
            *out = {false, 0, static_cast<double>(e.get_uint64().value_unsafe())};
            return true;
        case element_type::DOUBLE:
            *out = {false, 0, e.get_double().value_unsafe()};
            return true;
        default:
            return false;
    }
}

/// CocoSaxHandler::integerValue: integers, and integral floats within int64 ("id": 7.0).
bool readInteger(element e, std::int64_t* out) {
    Number n;
    if (!readNumber(e, &n))
        return false;
    if (n.isInteger) {
        *out = n.i;
        return true;
    }
    if (std::isfinite(n.d) && n.d == std::floor(n.d) && std::fabs(n.d) < 9.2e18) {
        *out = static_cast<std::int64_t>(n.d);
        return true;
    }
    return false;
}

/// Marks field bit `b` as seen; false when it was seen before (a repeated key: the SAX handler's
/// last-one-wins bookkeeping is not reproduced here).
bool firstTime(std::uint32_t* seen, std::uint32_t b) {
    if (*seen & b)
        return false;
    *seen |= b;
    return true;
}

bool readImage(object o, ParseOutput* out) {
    enum : std::uint32_t { kId = 1, kName = 2, kWidth = 4, kHeight = 8, kAll = 15 };
    std::uint32_t seen = 0;
    std::int64_t id = 0, size[2] = {0, 0};
    std::string_view name;
    for (const auto kv : o) {
        const std::string_view k = kv.key;
        if (k == "id") {
            if (!firstTime(&seen, kId) || !readInteger(kv.value, &id))
                return false;
        } else if (k == "file_name") {
            if (!firstTime(&seen, kName) || kv.value.get_string().get(name) != simdjson::SUCCESS)
                return false;
        } else if (k == "width" || k == "height") {
            const int which = k == "width" ? 0 : 1;
            if (!firstTime(&seen, which == 0 ? kWidth : kHeight) || !readInteger(kv.value, &size[which]) ||
                size[which] < 0 || size[which] > std::numeric_limits<std::int32_t>::max())
                return false;
        }
    }
    if (seen != kAll || out->names.size() + name.size() > std::numeric_limits<std::uint32_t>::max())
        return false;
    ParsedImage im;
    im.id = id;
    im.nameOffset = static_cast<std::uint32_t>(out->names.size());
    im.nameLength = static_cast<std::uint32_t>(name.size());
    im.width = static_cast<std::int32_t>(size[0]);
    im.height = static_cast<std::int32_t>(size[1]);
    out->names.append(name.data(), name.size());
    out->images.push_back(im);
    return true;
}

bool readBbox(element e, double* xywh) {
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS || a.size() != 4)
        return false;
    int i = 0;
    for (const element v : a) {
        Number n;
        if (!readNumber(v, &n))
            return false;
        xywh[i++] = n.d;
    }
    return true;
}

bool readAnnotation(object o, ParseOutput* out) {
    enum : std::uint32_t { kId = 1, kImage = 2, kCategory = 4, kBbox = 8, kArea = 16, kCrowd = 32, kRequired = 31 };
    std::uint32_t seen = 0;
    std::int64_t id = 0, imageId = 0, categoryId = 0, crowd = 0;
    double bbox[4] = {0, 0, 0, 0};
    Number area;
    for (const auto kv : o) {
        const std::string_view k = kv.key;
        bool ok = true;
        if (k == "id") {
            ok = firstTime(&seen, kId) && readInteger(kv.value, &id);
        } else if (k == "image_id") {
            ok = firstTime(&seen, kImage) && readInteger(kv.value, &imageId);
        } else if (k == "category_id") {
            ok = firstTime(&seen, kCategory) && readInteger(kv.value, &categoryId);
        } else if (k == "bbox") {
            ok = firstTime(&seen, kBbox) && readBbox(kv.value, bbox);
        } else if (k == "area") {
            ok = firstTime(&seen, kArea) && readNumber(kv.value, &area);
        } else if (k == "iscrowd") {
            ok = firstTime(&seen, kCrowd);
            if (ok && kv.value.is_bool())
                crowd = kv.value.get_bool().value_unsafe() ? 1 : 0;
            else
                ok = ok && readInteger(kv.value, &crowd);
        }
        if (!ok)
            return false;
    }
    if ((seen & kRequired) != kRequired)
        return false;
    ParsedBox& pb = out->boxes.emplaceBack();
    pb.box.x = bbox[0];
    pb.box.y = bbox[1];
    pb.box.w = bbox[2];
    pb.box.h = bbox[3];
    pb.box.area = area.d;
    pb.box.categoryId = static_cast<std::int32_t>(categoryId);  // as CocoSaxHandler stores it
    pb.box.iscrowd = crowd != 0 ? 1 : 0;
    pb.box.annotationId = id;
    pb.imageId = imageId;
    return true;
}

bool readCategory(object o, ParseOutput* out) {
    enum : std::uint32_t { kId = 1, kName = 2, kSuper = 4, kAll = 7 };
    std::uint32_t seen = 0;
    CocoCategory c;
    for (const auto kv : o) {
        const std::string_view k = kv.key;
        if (k == "id") {
            if (!firstTime(&seen, kId) || !readInteger(kv.value, &c.id))
                return false;
        } else if (k == "name" || k == "supercategory") {
            const bool isName = k == "name";
            std::string_view text;
            if (!firstTime(&seen, isName ? kName : kSuper))
                return false;
            // rfdetr compares supercategory with "none": null is read as "" (CocoSaxHandler).
            if (!isName && kv.value.is_null())
                text = {};
            else if (kv.value.get_string().get(text) != simdjson::SUCCESS)
                return false;
            (isName ? c.name : c.supercategory).assign(text.data(), text.size());
        }
    }
    if (seen != kAll)
        return false;
    out->categories.push_back(std::move(c));
    return true;
}

}  // namespace

bool appendPlainRecords(Section section, simdjson::dom::array batch, ParseOutput* out) {
    if (section == Section::Other)
        return true;  // validated by the parse, nothing kept (the SAX path counts nothing either)
    for (const element e : batch) {
        object o;
        if (e.get_object().get(o) != simdjson::SUCCESS)
            return false;
        ++out->elements[static_cast<int>(section)];
        bool ok = false;
        if (section == Section::Images)
            ok = readImage(o, out);
        else if (section == Section::Annotations)
            ok = readAnnotation(o, out);
        else if (section == Section::Categories)
            ok = readCategory(o, out);
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace studio::coco_detail

#endif  // STUDIO_HAVE_SIMDJSON
