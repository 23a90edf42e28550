#include "base/dist/error_file.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "base/util/atomic_file.h"

namespace studio {

bool writeTorchElasticErrorFile(const std::string& path, const std::string& type, const std::string& message,
                                const std::string& callstack) {
    if (path.empty()) return false;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    nlohmann::json j = {{"message",
                         {{"message", type + ": " + message},
                          {"extraInfo",
                           {{"py_callstack", callstack.empty() ? "(C++ rfdetr-train, no Python stack)" : callstack},
                            {"timestamp", std::to_string(now)}}}}}};
    try {
        writeFileAtomic(path, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace studio
