#pragma once
// Small helpers shared by the COCO tests: write text files, build annotation JSON, find problems.
#include <cstdint>
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
        for (const auto& n : needles)
            ok = ok && all.find(n) != std::string::npos;
        if (ok)
            out.push_back(p);
    }
    return out;
}

/// A PNG signature and IHDR chunk for a w x h image (enough for header probes; no pixel data).
inline void writePngHeader(const std::string& path, std::uint32_t w, std::uint32_t h) {
    std::string b("\x89PNG\r\n\x1a\n", 8);
    auto be32 = [&](std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8)
            b.push_back(static_cast<char>((v >> s) & 0xFF));
    };
    be32(13);
    b += "IHDR";
    be32(w);
    be32(h);
    b += std::string("\x08\x02\x00\x00\x00", 5);
    be32(0);  // CRC (not checked by the probe)
    writeText(path, b);
}

/// A JPEG with an optional EXIF orientation (APP1) and a baseline frame header for w x h.
inline void writeJpegHeader(const std::string& path, std::uint32_t w, std::uint32_t h,
                            int orientation = 0) {
    std::string b("\xFF\xD8", 2);
    b += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
    if (orientation) {
        // "Exif\0\0" + big-endian TIFF header + IFD0 with one entry (0x0112 SHORT 1 = orientation).
        std::string exif("Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0", 25);
        exif.push_back(static_cast<char>(orientation));
        exif += std::string("\0\0\0\0\0\0", 6);
        const std::size_t len = exif.size() + 2;
        b += "\xFF\xE1";
        b.push_back(static_cast<char>(len >> 8));
        b.push_back(static_cast<char>(len & 0xFF));
        b += exif;
    }
    b += std::string("\xFF\xC0\x00\x11\x08", 5);
    b.push_back(static_cast<char>(h >> 8));
    b.push_back(static_cast<char>(h & 0xFF));
    b.push_back(static_cast<char>(w >> 8));
    b.push_back(static_cast<char>(w & 0xFF));
    b += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
    b += "\xFF\xD9";
    writeText(path, b);
}

inline std::string joined(const std::vector<studio::Problem>& problems) {
    std::string s;
    for (const auto& p : problems)
        s += (p.severity == studio::Severity::Error ? "E " : "W ") + p.toString() + "\n";
    return s;
}

}  // namespace coco_test
