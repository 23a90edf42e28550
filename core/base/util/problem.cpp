#include "base/util/problem.h"

#include <algorithm>

namespace studio {

std::string Problem::toString() const {
    std::string out = field;
    if (!value.empty() || field.find('=') == std::string::npos) {
        if (!value.empty()) out += "='" + value + "'";
    }
    if (!out.empty()) out += ": ";
    out += message;
    if (!fix.empty()) out += " \xE2\x80\x94 " + fix;
    return out;
}

bool hasErrors(const std::vector<Problem>& problems) {
    return std::any_of(problems.begin(), problems.end(),
                       [](const Problem& p) { return p.severity == Severity::Error; });
}

std::string formatProblems(const std::vector<Problem>& problems) {
    std::string out;
    for (Severity s : {Severity::Error, Severity::Warning}) {
        for (const auto& p : problems) {
            if (p.severity != s) continue;
            out += (s == Severity::Error ? "error: " : "warning: ") + p.toString() + "\n";
        }
    }
    return out;
}

}  // namespace studio
