#include "base/parquet/parquet_schema.h"

#include <functional>

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

namespace {
constexpr std::int32_t kConvertedUtf8 = 0;
constexpr std::int32_t kConvertedList = 3;
}  // namespace

Schema Schema::build(const std::vector<SchemaElement>& elements) {
    if (elements.empty()) throw ParquetError("the schema is empty");
    Schema s;
    s.m_nodes.reserve(elements.size());
    std::size_t next = 0;
    std::function<int(int, int)> addNode = [&](int parent, int depth) -> int {
        if (next >= elements.size()) throw ParquetError("the schema lists fewer elements than its groups announce");
        if (depth > 64) throw ParquetError("the schema is nested too deeply");
        const SchemaElement& e = elements[next++];
        const int id = static_cast<int>(s.m_nodes.size());
        SchemaNode n;
        n.name = e.name;
        n.repetition = e.repetition.value_or(Repetition::Required);
        n.parent = parent;
        n.type = e.numChildren > 0 ? std::nullopt : e.type;
        n.typeLength = e.typeLength;
        n.isList = e.logicalList || (e.convertedType && *e.convertedType == kConvertedList);
        n.isString = e.logicalString || (e.convertedType && *e.convertedType == kConvertedUtf8);
        const SchemaNode* p = parent >= 0 ? &s.m_nodes[static_cast<std::size_t>(parent)] : nullptr;
        n.defLevel = (p ? p->defLevel : 0) + (parent >= 0 && n.repetition != Repetition::Required ? 1 : 0);
        n.repLevel = (p ? p->repLevel : 0) + (parent >= 0 && n.repetition == Repetition::Repeated ? 1 : 0);
        s.m_nodes.push_back(n);
        if (parent >= 0) s.m_nodes[static_cast<std::size_t>(parent)].children.push_back(id);
        if (e.numChildren < 0) throw ParquetError("the schema has a negative child count");
        for (int c = 0; c < e.numChildren; ++c) addNode(id, depth + 1);
        if (e.numChildren == 0 && parent >= 0) {
            if (!e.type) throw ParquetError("schema leaf '" + e.name + "' has no type");
            ColumnDescriptor d;
            d.column = static_cast<int>(s.m_columns.size());
            d.type = *e.type;
            d.typeLength = e.typeLength;
            d.maxDef = s.m_nodes[static_cast<std::size_t>(id)].defLevel;
            d.maxRep = s.m_nodes[static_cast<std::size_t>(id)].repLevel;
            for (int cur = id; cur > 0; cur = s.m_nodes[static_cast<std::size_t>(cur)].parent)
                d.chain.insert(d.chain.begin(), cur);
            for (int node : d.chain) d.path += (d.path.empty() ? "" : ".") + s.m_nodes[static_cast<std::size_t>(node)].name;
            s.m_columns.push_back(std::move(d));
        }
        return id;
    };
    addNode(-1, 0);
    if (next != elements.size()) throw ParquetError("the schema has elements outside its root");
    return s;
}

const ColumnDescriptor* Schema::find(const std::string& path) const {
    for (const auto& c : m_columns)
        if (c.path == path) return &c;
    return nullptr;
}

std::vector<std::string> Schema::topLevelNames() const {
    std::vector<std::string> out;
    for (int c : m_nodes[0].children) out.push_back(m_nodes[static_cast<std::size_t>(c)].name);
    return out;
}

std::vector<const ColumnDescriptor*> Schema::under(const std::string& prefix) const {
    std::vector<const ColumnDescriptor*> out;
    for (const auto& c : m_columns)
        if (c.path == prefix || c.path.compare(0, prefix.size() + 1, prefix + ".") == 0) out.push_back(&c);
    return out;
}

}  // namespace studio::parquet
