#include "train/engine/py_json.h"

#include <stdexcept>

namespace studio::train {

PyValue jsonToPy(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::null: return PyValue::none();
        case nlohmann::json::value_t::boolean: return PyValue(j.get<bool>());
        case nlohmann::json::value_t::number_integer: return PyValue(j.get<std::int64_t>());
        case nlohmann::json::value_t::number_unsigned: return PyValue(static_cast<std::int64_t>(j.get<std::uint64_t>()));
        case nlohmann::json::value_t::number_float: return PyValue(j.get<double>());
        case nlohmann::json::value_t::string: return PyValue(j.get<std::string>());
        case nlohmann::json::value_t::array: {
            PyValue list = PyValue::list();
            for (const auto& e : j) list.append(jsonToPy(e));
            return list;
        }
        case nlohmann::json::value_t::object: {
            PyValue dict = PyValue::dict();
            for (auto it = j.begin(); it != j.end(); ++it) dict.set(it.key(), jsonToPy(it.value()));
            return dict;
        }
        default: return PyValue::none();
    }
}

nlohmann::json pyToJson(const PyValue& v) {
    switch (v.kind()) {
        case PyValue::Kind::None: return nullptr;
        case PyValue::Kind::Bool: return v.asBool();
        case PyValue::Kind::Int: return v.asInt();
        case PyValue::Kind::Float: return v.asFloat();
        case PyValue::Kind::String: return v.asString();
        case PyValue::Kind::List:
        case PyValue::Kind::Tuple: {
            nlohmann::json a = nlohmann::json::array();
            for (const auto& e : v.items()) a.push_back(pyToJson(e));
            return a;
        }
        case PyValue::Kind::Dict: {
            nlohmann::json o = nlohmann::json::object();
            for (const auto& [k, val] : v.dictRef().entries) {
                if (!k.isString()) throw std::runtime_error("dict key of type " + k.typeName() + " has no JSON form");
                o[k.asString()] = pyToJson(val);
            }
            return o;
        }
        default: throw std::runtime_error("a Python " + v.typeName() + " has no JSON form");
    }
}

}  // namespace studio::train
