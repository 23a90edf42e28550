#pragma once
// The fast path's record reader: turns a batch of COCO array elements parsed by simdjson's DOM
// parser into ParseOutput, exactly as CocoSaxHandler would, but only when every element has the
// plain expected shape (images: integer id, string file_name, integer width/height; annotations:
// integer id/image_id/category_id, bbox of 4 numbers, numeric area, optional iscrowd 0/1 or bool;
// categories: integer id, string name, string or null supercategory; unknown keys skipped).
// Anything else (a missing or repeated field, a wrong type, an element that is not an object) makes
// it return false: then the whole file goes through the nlohmann path, which reports the problem.
// Internal to base/coco; only built with simdjson (STUDIO_HAVE_SIMDJSON).
#if STUDIO_HAVE_SIMDJSON
#include <simdjson.h>

#include "base/coco/coco_parse_types.h"

namespace studio::coco_detail {

/// Appends the elements of `batch` (elements of the `section` array, in file order) to `out`;
/// false (with `out` partly filled) as soon as one element is not plain. Section::Other (an array
/// the loader skips, such as "licenses"): keeps nothing, true. Any thread.
bool appendPlainRecords(Section section, simdjson::dom::array batch, ParseOutput* out);

}  // namespace studio::coco_detail

#endif  // STUDIO_HAVE_SIMDJSON
