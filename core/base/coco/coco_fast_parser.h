#pragma once
// The fast path of the COCO annotation loader: simdjson (DOM parser, full validation) over batches
// of array elements, on several threads, in front of the nlohmann SAX path (coco_file_parser.h),
// which stays the reference. It gives EXACTLY the ParseOutput the SAX path gives, or gives up: on
// anything but a valid file whose records all have the plain expected shape (see
// coco_fast_records.h) it returns false and the caller parses the whole file with nlohmann, which
// reports the problems with line and column. Without simdjson (STUDIO_HAVE_SIMDJSON unset) it
// always gives up. Internal to base/coco.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/coco/coco_file_parser.h"

namespace studio::coco_detail {

struct FastParseOptions {
    int threads = 1;                                      // parsing threads (>= 1)
    std::size_t batchBytes = std::size_t(1) << 20;        // target size of one batch of elements
    std::size_t maxElementBytes = std::size_t(64) << 20;  // one element (or skipped value) larger: give up
};

/// What the fast path did (for tests and benchmarks).
struct FastParseStats {
    std::uint64_t batches = 0;     // batches parsed successfully
    std::uint64_t failedCuts = 0;  // batches that did not parse (cut inside a string/value)
    std::string gaveUp;            // why it gave up ("" when it succeeded)
};

/// True when this build has the fast path (built with simdjson).
bool fastCocoParserAvailable();

/// Parses `path` into `result` (output, end = Complete, sawSection); false when it gives up, with
/// the reason in stats->gaveUp (then `result` is unspecified). Never throws for file content;
/// std::bad_alloc may escape. Blocks; uses options.threads threads.
bool parseCocoFileFast(const std::string& path, const FastParseOptions& options, ParseResult* result,
                       FastParseStats* stats);

}  // namespace studio::coco_detail
