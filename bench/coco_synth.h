#pragma once
// Seeded synthetic COCO data at CommonForms scale for the benchmarks: form pages (about 1700x2200
// px), ~13 boxes per page in 3 classes plus Roboflow's "none" category, written in Python
// json.dump's style
// (", " and ": " separators, floats in shortest round-trip form), and detections for the evaluator.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

class JsonWriter {
  public:
    explicit JsonWriter(const std::string& path) : m_file(std::fopen(path.c_str(), "wb")) {
        if (!m_file)
            throw std::runtime_error("cannot write " + path);
        std::setvbuf(m_file, nullptr, _IOFBF, 1 << 20);
    }
    ~JsonWriter() {
        if (m_file)
            std::fclose(m_file);
    }
    JsonWriter& raw(const char* s) {
        std::fputs(s, m_file);
        return *this;
    }
    JsonWriter& num(double v) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        std::fwrite(buf, 1, static_cast<std::size_t>(r.ptr - buf), m_file);
        if (v == static_cast<double>(static_cast<std::int64_t>(v)) && std::fabs(v) < 1e15)
            std::fputs(".0", m_file);
        return *this;
    }
    JsonWriter& integer(std::int64_t v) {
        std::fprintf(m_file, "%lld", static_cast<long long>(v));
        return *this;
    }
    std::uint64_t close() {
        const long size = std::ftell(m_file);
        std::fclose(m_file);
        m_file = nullptr;
        return static_cast<std::uint64_t>(size);
    }

  private:
    std::FILE* m_file;
};

struct SynthBox {
    double x, y, w, h;
    int category;
};

/// Boxes of one form page, drawn from `rng`: text fields (wide), checkboxes (small squares),
/// signatures.
inline std::vector<SynthBox> synthPage(std::mt19937_64& rng, int width, int height, int count) {
    std::vector<SynthBox> out;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto round2 = [](double v) { return std::round(v * 100.0) / 100.0; };
    for (int k = 0; k < count; ++k) {
        const int cls = 1 + static_cast<int>(rng() % 3);
        double w = cls == 2 ? 18 + 14 * u(rng) : cls == 1 ? 60 + 500 * u(rng) : 200 + 200 * u(rng);
        double h = cls == 2 ? w * (0.9 + 0.2 * u(rng)) : 18 + 30 * u(rng);
        const double x = round2(u(rng) * (width - w - 1)), y = round2(u(rng) * (height - h - 1));
        out.push_back({x, y, round2(w), round2(h), cls});
    }
    return out;
}

inline int synthCount(std::mt19937_64& rng, std::uint64_t boxesLeft, std::uint64_t imagesLeft) {
    if (imagesLeft <= 1)
        return static_cast<int>(boxesLeft);
    const std::uint64_t mean2 = 2 * boxesLeft / imagesLeft;
    return static_cast<int>(rng() % (mean2 + 1));
}

/// Writes a COCO annotation file; returns its size in bytes.
inline std::uint64_t writeSynthCoco(const std::string& path, std::uint64_t images,
                                    std::uint64_t boxes, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    JsonWriter w(path);
    w.raw(
        "{\"info\": {\"description\": \"synthetic CommonForms-size annotations\", \"version\": "
        "\"1.0\"}, "
        "\"licenses\": [], \"categories\": [{\"id\": 0, \"name\": \"form-fields\", "
        "\"supercategory\": \"none\"}, "
        "{\"id\": 1, \"name\": \"TextBox\", \"supercategory\": \"form-fields\"}, {\"id\": 2, "
        "\"name\": "
        "\"ChoiceButton\", \"supercategory\": \"form-fields\"}, {\"id\": 3, \"name\": "
        "\"Signature\", "
        "\"supercategory\": \"form-fields\"}], \"images\": [");
    std::vector<std::pair<int, int>> sizes(images);
    for (std::uint64_t i = 0; i < images; ++i) {
        sizes[i] = {1275 + static_cast<int>(rng() % 426), 1650 + static_cast<int>(rng() % 551)};
        char name[32];
        std::snprintf(name, sizeof name, "%010llu.png", static_cast<unsigned long long>(i));
        w.raw(i ? ", {\"id\": " : "{\"id\": ")
            .integer(static_cast<std::int64_t>(i))
            .raw(", \"file_name\": \"")
            .raw(name)
            .raw("\", \"width\": ")
            .integer(sizes[i].first)
            .raw(", \"height\": ")
            .integer(sizes[i].second)
            .raw("}");
    }
    w.raw("], \"annotations\": [");
    std::uint64_t left = boxes, id = 0;
    for (std::uint64_t i = 0; i < images; ++i) {
        const int n = synthCount(rng, left, images - i);
        for (const SynthBox& b : synthPage(rng, sizes[i].first, sizes[i].second, n)) {
            w.raw(id ? ", {\"id\": " : "{\"id\": ")
                .integer(static_cast<std::int64_t>(id))
                .raw(", \"image_id\": ")
                .integer(static_cast<std::int64_t>(i))
                .raw(", \"category_id\": ")
                .integer(b.category)
                .raw(", \"bbox\": [")
                .num(b.x)
                .raw(", ")
                .num(b.y)
                .raw(", ")
                .num(b.w)
                .raw(", ")
                .num(b.h)
                .raw("], \"area\": ")
                .num(b.w * b.h)
                .raw(", \"segmentation\": [], \"iscrowd\": 0}");
            ++id;
        }
        left -= static_cast<std::uint64_t>(n);
    }
    w.raw("]}\n");
    return w.close();
}

}  // namespace bench
