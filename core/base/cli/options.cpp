#include "base/cli/options.h"

#include <sstream>

#include "base/config/config_fields.h"

namespace studio {

std::optional<std::string> ParsedOptions::get(const std::string& name) const {
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

bool ParsedOptions::flag(const std::string& name) const {
    const auto v = get(name);
    if (!v) return false;
    return parseBool(*v).value_or(false);
}

ParsedOptions parseOptions(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
    ParsedOptions out;
    auto find = [&](const std::string& n) -> const OptionSpec* {
        for (const auto& s : specs) {
            if (s.name == n) return &s;
        }
        return nullptr;
    };
    bool onlyPositionals = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (onlyPositionals || a.size() < 2 || a[0] != '-' || a == "-") {
            out.positionals.push_back(a);
            continue;
        }
        if (a == "--") {
            onlyPositionals = true;
            continue;
        }
        std::string name = a, value;
        bool hasInline = false;
        if (const auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            hasInline = true;
        }
        const OptionSpec* spec = find(name);
        if (!spec && name.rfind("--no-", 0) == 0) {
            const OptionSpec* pos = find("--" + name.substr(5));
            if (pos && !pos->takesValue) {
                out.values[pos->name].push_back("false");
                continue;
            }
        }
        if (!spec) {
            out.problems.push_back({Severity::Error, name, "", "unknown option", "see --help for the options"});
            continue;
        }
        if (!spec->takesValue) {
            if (hasInline && !parseBool(value)) {
                out.problems.push_back({Severity::Error, name, value, "is not true or false", "write " + name});
                continue;
            }
            out.values[name].push_back(hasInline ? value : "true");
            continue;
        }
        if (!hasInline) {
            if (i + 1 >= args.size()) {
                out.problems.push_back({Severity::Error, name, "", "needs a value",
                                        "write " + name + " " + (spec->valueName.empty() ? "VALUE" : spec->valueName)});
                continue;
            }
            value = args[++i];
        }
        out.values[name].push_back(value);
    }
    return out;
}

std::string wrapText(const std::string& text, int width, int indent) {
    std::istringstream words(text);
    std::string word, line, out;
    while (words >> word) {
        if (!line.empty() && static_cast<int>(line.size() + 1 + word.size()) > width) {
            out += line + "\n" + std::string(indent, ' ');
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    return out + line;
}

std::string formatOptionHelp(const std::vector<OptionSpec>& specs) {
    std::string out;
    for (const auto& s : specs) {
        std::string left = "  " + s.name + (s.takesValue ? " " + (s.valueName.empty() ? "VALUE" : s.valueName) : "");
        if (left.size() < 30) left += std::string(30 - left.size(), ' ');
        else left += "\n" + std::string(30, ' ');
        out += left + wrapText(s.help, 70, 30) + "\n";
    }
    return out;
}

}  // namespace studio
