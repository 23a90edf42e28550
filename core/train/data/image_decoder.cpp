#include "train/data/image_decoder.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "base/util/atomic_file.h"
#include "train/data/jpeg_decoder.h"
#include "train/data/png_decoder.h"

namespace studio::train {

namespace {

// Names the format of something that is not PNG/JPEG, so the message says what the file is.
std::string describeOther(std::string_view b) {
    auto starts = [&](const char* sig, std::size_t n) { return b.size() >= n && std::memcmp(b.data(), sig, n) == 0; };
    if (b.empty()) return "the file is empty";
    if (starts("GIF8", 4)) return "it is a GIF image";
    if (starts("BM", 2)) return "it is a BMP image";
    if (starts("RIFF", 4) && b.size() >= 12 && std::memcmp(b.data() + 8, "WEBP", 4) == 0) return "it is a WebP image";
    if (starts("II*\0", 4) || starts("MM\0*", 4)) return "it is a TIFF image";
    if (starts("\x89PNG", 4)) return "its PNG signature is damaged";
    std::string hex;
    for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(static_cast<unsigned char>(b[i])));
        hex += buf;
    }
    return "it starts with bytes " + hex;
}

[[noreturn]] void notAnImage(std::string_view bytes, const std::string& name) {
    throw std::runtime_error(name + ": not a PNG or JPEG image (" + describeOther(bytes) +
                             "). Fix: convert it to PNG or JPEG, or remove it from the annotations");
}

class MemoryRowSource final : public RowSource {
public:
    MemoryRowSource(RgbImage image, int fullWidth, int fullHeight) : m_image(std::move(image)) {
        setSize(m_image.width, m_image.height, fullWidth > 0 ? fullWidth : m_image.width,
                fullHeight > 0 ? fullHeight : m_image.height);
    }

protected:
    void decodeRow(std::uint8_t* rgb) override {
        std::memcpy(rgb, m_image.row(nextRow()), m_image.rowBytes());
    }

private:
    RgbImage m_image;
};

}  // namespace

void RowSource::setSize(int width, int height, int fullWidth, int fullHeight) {
    m_width = width;
    m_height = height;
    m_fullWidth = fullWidth;
    m_fullHeight = fullHeight;
}

void RowSource::readRow(std::uint8_t* rgb) {
    if (m_next >= m_height) throw std::logic_error("RowSource::readRow past the last row");
    decodeRow(rgb);
    ++m_next;
    if (m_next == m_height) decodeEnd();
}

void RowSource::finish() {
    if (m_next >= m_height) return;
    std::vector<std::uint8_t> row(static_cast<std::size_t>(m_width) * 3);
    while (m_next < m_height) readRow(row.data());
}

ImageInfo readImageInfo(std::string_view bytes, const std::string& name) {
    if (looksLikePng(bytes)) return readPngInfo(bytes, name);
    if (looksLikeJpeg(bytes)) return readJpegInfo(bytes, name);
    notAnImage(bytes, name);
}

std::unique_ptr<RowSource> openImage(std::string bytes, const std::string& name, const DecodeOptions& options) {
    if (looksLikePng(bytes)) return openPng(std::move(bytes), name);
    if (looksLikeJpeg(bytes)) return openJpeg(std::move(bytes), name, options);
    notAnImage(bytes, name);
}

RgbImage decodeImage(std::string bytes, const std::string& name, const DecodeOptions& options) {
    auto rows = openImage(std::move(bytes), name, options);
    RgbImage image(rows->width(), rows->height());
    for (int y = 0; y < image.height; ++y) rows->readRow(image.row(y));
    return image;
}

RgbImage readImageFile(const std::string& path, const DecodeOptions& options) {
    return decodeImage(readFile(path), path, options);
}

std::unique_ptr<RowSource> memoryRowSource(RgbImage image, int fullWidth, int fullHeight) {
    return std::make_unique<MemoryRowSource>(std::move(image), fullWidth, fullHeight);
}

}  // namespace studio::train
