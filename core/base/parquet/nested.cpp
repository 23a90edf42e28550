#include "base/parquet/nested.h"

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

NestedColumn assembleNested(const ColumnValues& v, const ColumnDescriptor& column, const Schema& schema) {
    NestedColumn out;
    const int R = column.maxRep;
    // Definition level at which an element of the level-k list exists (k = 1..R).
    std::vector<int> elementDef(static_cast<std::size_t>(R) + 1, 0);
    for (int node : column.chain) {
        const auto& n = schema.nodes()[static_cast<std::size_t>(node)];
        if (n.repetition == Repetition::Repeated) elementDef[static_cast<std::size_t>(n.repLevel)] = n.defLevel;
    }
    out.offsets.assign(static_cast<std::size_t>(R), {});
    std::vector<std::uint64_t> count(static_cast<std::size_t>(R) + 1, 0);  // items so far per level (0 = rows)
    std::int64_t next = 0;
    const std::size_t nValues = v.numValues();
    for (std::size_t i = 0; i < v.numLevels; ++i) {
        const int r = R > 0 ? v.repLevels[i] : 0;
        const int d = column.maxDef > 0 ? v.defLevels[i] : 0;
        if (i == 0 && r != 0) throw ParquetError("column " + column.path + ": the first value continues a row (corrupt levels)");
        bool exists = true;
        for (int k = r; k < R && exists; ++k) {
            if (k > 0) {
                exists = d >= elementDef[static_cast<std::size_t>(k)];
                if (!exists) break;
            }
            ++count[static_cast<std::size_t>(k)];  // a new row (k = 0) or a new level-k element
            out.offsets[static_cast<std::size_t>(k)].push_back(count[static_cast<std::size_t>(k) + 1]);
        }
        if (R == 0) ++count[0];
        if (exists && (R == 0 || d >= elementDef[static_cast<std::size_t>(R)])) {
            if (R > 0) ++count[static_cast<std::size_t>(R)];
            if (d == column.maxDef) {
                if (static_cast<std::size_t>(next) >= nValues)
                    throw ParquetError("column " + column.path + ": more present entries than values (corrupt page)");
                out.valueIndex.push_back(next++);
            } else {
                out.valueIndex.push_back(-1);
            }
        }
    }
    for (int k = 0; k < R; ++k) out.offsets[static_cast<std::size_t>(k)].push_back(count[static_cast<std::size_t>(k) + 1]);
    out.numRows = static_cast<std::size_t>(count[0]);
    return out;
}

}  // namespace studio::parquet
