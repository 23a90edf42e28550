#pragma once
// Parses a COCO annotation file with nlohmann::json's SAX parser, streaming from the file, on
// several threads when the file is large. Thread 0 reads the document from the start; each other
// thread starts at a guessed annotation boundary ("," then "{") further on and reads annotation
// objects as array elements. A guess is used only once proven: when thread 0 (or a proven
// neighbour) reaches exactly that byte as the start of an element of the "annotations" array, it
// jumps past the work already done. A wrong guess costs time, never correctness; the result is the
// same as one sequential pass.
#include <cstdint>
#include <string>

#include "base/coco/coco_parse_types.h"

namespace studio::coco_detail {

struct ParseOptions {
    int threads = 0;  // 0: hardware concurrency
    std::uint64_t minBytesPerPart = std::uint64_t(8)
                                    << 20;  // parsed in parts of at least this size
    std::size_t bufferBytes = std::size_t(1) << 20;
    bool fastPath = true;  // try the simdjson fast path first (coco_fast_parser.h)
    std::size_t fastBatchBytes = std::size_t(1) << 20;  // its batch size (tests use small ones)
};

struct ParseResult {
    ParseOutput output;
    ParseEnd end;
    std::uint64_t line = 0, column = 0;  // of end.offset when the parse failed
    bool sawSection[kSectionCount] = {};
    int threadsUsed = 1;
    int partsAdopted = 0;  // speculative parts used (for tests and benchmarks)
    bool fastPath = false;     // the simdjson fast path produced the result
    std::string fastPathSkipped;  // why it gave up (when it was tried and did)
};

/// Parses `path` with the fast path when it can (the same result by construction), else with
/// nlohmann; throws std::runtime_error naming the file when it cannot be opened.
ParseResult parseCocoFile(const std::string& path, const ParseOptions& options);

}  // namespace studio::coco_detail
