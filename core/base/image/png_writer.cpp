#include "base/image/png_writer.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "base/util/atomic_file.h"

namespace studio {

namespace {

struct WriteState {
    std::string* out = nullptr;
    char message[256] = {};
};

void appendBytes(png_structp png, png_bytep data, png_size_t length) {
    auto* state = static_cast<WriteState*>(png_get_io_ptr(png));
    state->out->append(reinterpret_cast<const char*>(data), length);
}

void flushNothing(png_structp) {}

void onError(png_structp png, png_const_charp message) {
    auto* state = static_cast<WriteState*>(png_get_error_ptr(png));
    std::snprintf(state->message, sizeof state->message, "%s", message);
    png_longjmp(png, 1);
}

void onWarning(png_structp, png_const_charp) {}

bool isGray(const RgbImage& image) {
    const std::uint8_t* p = image.pixels.data();
    const std::size_t n = image.pixels.size();
    for (std::size_t i = 0; i < n; i += 3) {
        if (p[i] != p[i + 1] || p[i] != p[i + 2]) return false;
    }
    return true;
}

// All C++ objects live outside this function: libpng leaves it with longjmp on errors.
bool encodeRows(WriteState& state, const std::uint8_t* const* rows, int width, int height, bool gray,
                int level, bool upOnly) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, onError, onWarning);
    if (!png) {
        std::snprintf(state.message, sizeof state.message, "out of memory");
        return false;
    }
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, &state, appendBytes, flushNothing);
    png_set_compression_level(png, level);
    if (upOnly) png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
                 gray ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_rows(png, const_cast<png_bytepp>(rows), static_cast<png_uint_32>(height));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return true;
}

}  // namespace

std::string encodePng(const RgbImage& image, const PngWriteOptions& options) {
    if (image.empty() || image.pixels.size() != image.rowBytes() * static_cast<std::size_t>(image.height))
        throw std::invalid_argument("encodePng: empty or inconsistent image");
    const bool gray = options.grayWhenPossible && isGray(image);
    std::vector<std::uint8_t> grayPixels;
    std::vector<const std::uint8_t*> rows(static_cast<std::size_t>(image.height));
    if (gray) {
        grayPixels.resize(static_cast<std::size_t>(image.width) * image.height);
        for (std::size_t i = 0; i < grayPixels.size(); ++i) grayPixels[i] = image.pixels[i * 3];
        for (int y = 0; y < image.height; ++y) rows[y] = grayPixels.data() + static_cast<std::size_t>(y) * image.width;
    } else {
        for (int y = 0; y < image.height; ++y) rows[y] = image.row(y);
    }
    std::string out;
    out.reserve(image.pixels.size() / 8 + 1024);
    WriteState state;
    state.out = &out;
    const int level = options.compressionLevel < 0 ? 0 : options.compressionLevel > 9 ? 9 : options.compressionLevel;
    if (!encodeRows(state, rows.data(), image.width, image.height, gray, level, options.upFilterOnly))
        throw std::runtime_error(std::string("PNG encoding failed: ") + state.message);
    return out;
}

void writePng(const std::string& path, const RgbImage& image, const PngWriteOptions& options) {
    std::string bytes;
    try {
        bytes = encodePng(image, options);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot write " + path + ": " + e.what());
    }
    writeFileAtomic(path, bytes);
}

}  // namespace studio
