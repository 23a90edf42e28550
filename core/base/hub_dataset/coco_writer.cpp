#include "base/hub_dataset/coco_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace studio::hubdata {

namespace {
constexpr std::size_t kFlushBytes = 1 << 20;
}

std::string jsonNumber(double v) {
    if (!std::isfinite(v)) return "0";
    char buf[40];
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    for (int prec = 6; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

CocoSplitWriter::CocoSplitWriter(const std::string& jsonPath, const std::vector<std::string>& classNames,
                                 const std::string& description)
    : m_main(std::make_unique<AtomicFileWriter>(jsonPath)),
      m_annotations(std::make_unique<AtomicFileWriter>(jsonPath + ".annotations")) {
    nlohmann::json info = {{"description", description}, {"version", "1.0"}};
    nlohmann::json cats = nlohmann::json::array();
    cats.push_back({{"id", 0}, {"name", kSuperCategory}, {"supercategory", "none"}});
    for (std::size_t i = 0; i < classNames.size(); ++i)
        cats.push_back({{"id", i + 1}, {"name", classNames[i]}, {"supercategory", kSuperCategory}});
    m_mainBuf = "{\"info\":" + info.dump() + ",\"licenses\":[],\"categories\":" + cats.dump() + ",\"images\":[";
}

CocoSplitWriter::~CocoSplitWriter() = default;

void CocoSplitWriter::flush(bool force) {
    if (force || m_mainBuf.size() > kFlushBytes) {
        m_main->write(m_mainBuf);
        m_mainBuf.clear();
    }
    if (force || m_annBuf.size() > kFlushBytes) {
        m_annotations->write(m_annBuf);
        m_annBuf.clear();
    }
}

std::int64_t CocoSplitWriter::addImage(const std::string& fileName, int width, int height, std::int64_t sourceImageId) {
    const std::int64_t id = m_images++;
    if (id) m_mainBuf += ',';
    m_mainBuf += "{\"id\":" + std::to_string(id) + ",\"file_name\":" + nlohmann::json(fileName).dump() +
                 ",\"width\":" + std::to_string(width) + ",\"height\":" + std::to_string(height);
    if (sourceImageId >= 0) m_mainBuf += ",\"hf_image_id\":" + std::to_string(sourceImageId);
    m_mainBuf += '}';
    flush(false);
    return id;
}

void CocoSplitWriter::addBox(std::int64_t imageId, double x, double y, double w, double h, double area, int label,
                             bool iscrowd) {
    const std::int64_t id = m_boxes++;
    if (id) m_annBuf += ',';
    m_annBuf += "{\"id\":" + std::to_string(id) + ",\"image_id\":" + std::to_string(imageId) +
                ",\"category_id\":" + std::to_string(label + 1) + ",\"bbox\":[" + jsonNumber(x) + "," + jsonNumber(y) +
                "," + jsonNumber(w) + "," + jsonNumber(h) + "],\"area\":" + jsonNumber(area) +
                ",\"segmentation\":[],\"iscrowd\":" + (iscrowd ? "1" : "0") + "}";
    flush(false);
}

void CocoSplitWriter::commit() {
    m_mainBuf += "],\"annotations\":[";
    flush(true);
    // Append the spooled annotations to the main file.
    const int fd = ::open(m_annotations->tempPath().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot read back " + m_annotations->tempPath() + ": " + std::strerror(errno));
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error("cannot read back " + m_annotations->tempPath() + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        m_main->write(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    m_main->write(std::string_view("]}\n"));
    m_main->commit();
    m_annotations.reset();  // removes the spool file
}

}  // namespace studio::hubdata
