#pragma once
// Rebuilds the nesting of a leaf column from its repetition and definition levels, Arrow style: for each
// repetition level k an offsets array (one entry per item of the level above, plus one), and for the
// innermost elements the index of their value in ColumnValues (-1 for null).
//   objects.bbox (list<list<float>>): offsets[0] splits rows into boxes, offsets[1] boxes into numbers.
#include <cstdint>
#include <vector>

#include "base/parquet/column_reader.h"
#include "base/parquet/parquet_schema.h"

namespace studio::parquet {

struct NestedColumn {
    std::size_t numRows = 0;
    std::vector<std::vector<std::uint64_t>> offsets;  // [maxRep] arrays
    std::vector<std::int64_t> valueIndex;             // innermost elements (rows when maxRep == 0)

    /// Range [begin, end) of level-k items belonging to item `i` of the level above.
    std::pair<std::uint64_t, std::uint64_t> range(std::size_t level, std::size_t i) const {
        return {offsets[level][i], offsets[level][i + 1]};
    }
};

/// Throws ParquetError when the levels are inconsistent (e.g. a first entry that continues a row).
NestedColumn assembleNested(const ColumnValues& values, const ColumnDescriptor& column, const Schema& schema);

}  // namespace studio::parquet
