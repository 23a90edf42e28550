#pragma once
// Small helpers shared by the COCO tests: write text files, build annotation JSON, find problems.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/util/problem.h"

namespace coco_test {

inline void writeText(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream f(path, std::ios::binary);
    f << text;
}

/// The problems whose field and message contain all of `needles` (case-sensitive).
inline std::vector<studio::Problem> matching(const std::vector<studio::Problem>& problems,
                                             const std::vector<std::string>& needles) {
    std::vector<studio::Problem> out;
    for (const auto& p : problems) {
        const std::string all = p.toString();
        bool ok = true;
        for (const auto& n : needles) ok = ok && all.find(n) != std::string::npos;
        if (ok) out.push_back(p);
    }
    return out;
}

inline std::string joined(const std::vector<studio::Problem>& problems) {
    std::string s;
    for (const auto& p : problems) s += (p.severity == studio::Severity::Error ? "E " : "W ") + p.toString() + "\n";
    return s;
}

}  // namespace coco_test
