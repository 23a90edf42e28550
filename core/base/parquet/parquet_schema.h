#pragma once
// Parquet's schema as a tree, and its leaf columns with their dotted paths and maximum definition and
// repetition levels (the Dremel encoding of optional and repeated fields).
#include <optional>
#include <string>
#include <vector>

#include "base/parquet/parquet_metadata.h"

namespace studio::parquet {

struct SchemaNode {
    std::string name;
    Repetition repetition = Repetition::Required;
    int parent = -1;
    std::vector<int> children;
    std::optional<PhysicalType> type;  // leaves
    int typeLength = 0;
    int defLevel = 0;                  // definition level reached when this node is present
    int repLevel = 0;                  // repetition level of this node
    bool isList = false;               // LIST annotation (logical or converted type)
    bool isString = false;
};

struct ColumnDescriptor {
    int column = 0;                    // index among leaves (= column chunk index in a row group)
    std::string path;                  // "objects.bbox.list.element.list.element"
    PhysicalType type = PhysicalType::Int32;
    int typeLength = 0;
    int maxDef = 0;
    int maxRep = 0;
    std::vector<int> chain;            // schema nodes from the top-level field down to the leaf
};

class Schema {
public:
    /// Builds the tree from the flattened footer schema. Throws ParquetError when it is inconsistent.
    static Schema build(const std::vector<SchemaElement>& elements);

    const std::vector<SchemaNode>& nodes() const { return m_nodes; }
    const std::vector<ColumnDescriptor>& columns() const { return m_columns; }
    /// The leaf with this exact dotted path, or null.
    const ColumnDescriptor* find(const std::string& path) const;
    /// Top-level field names in order.
    std::vector<std::string> topLevelNames() const;
    /// The leaves under a dotted prefix ("objects.bbox" matches "objects.bbox.list.element...").
    std::vector<const ColumnDescriptor*> under(const std::string& prefix) const;

private:
    std::vector<SchemaNode> m_nodes;  // node 0 is the root
    std::vector<ColumnDescriptor> m_columns;
};

}  // namespace studio::parquet
