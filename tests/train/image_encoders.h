#pragma once
// Test-only encoders that write every PNG/JPEG variant the decoder must handle, straight through libpng and
// libjpeg (the production PNG writer only writes RGB8/gray8).
#include <png.h>

#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace enc {

/// One PNG: rows already in the file's layout (`rowBytes` each), optional palette and tRNS.
struct PngSpec {
    int width = 0, height = 0, bitDepth = 8, colorType = PNG_COLOR_TYPE_RGB;
    bool interlaced = false;
    std::vector<std::uint8_t> data;  // height * rowBytes
    std::vector<png_color> palette;
    std::vector<std::uint8_t> trnsAlpha;  // palette alpha entries
};

inline void pngAppend(png_structp png, png_bytep d, png_size_t n) {
    static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(d), n);
}
inline void pngFlush(png_structp) {}

inline std::string writePng(const PngSpec& s) {
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) throw std::runtime_error("test png writer failed");
    png_set_write_fn(png, &out, pngAppend, pngFlush);
    png_set_IHDR(png, info, png_uint_32(s.width), png_uint_32(s.height), s.bitDepth, s.colorType,
                 s.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (!s.palette.empty()) png_set_PLTE(png, info, s.palette.data(), int(s.palette.size()));
    if (!s.trnsAlpha.empty())
        png_set_tRNS(png, info, const_cast<png_bytep>(s.trnsAlpha.data()), int(s.trnsAlpha.size()), nullptr);
    png_write_info(png, info);
    const std::size_t rowBytes = s.data.size() / std::size_t(s.height);
    std::vector<png_bytep> rows(std::size_t(s.height));
    for (int y = 0; y < s.height; ++y) rows[y] = const_cast<png_bytep>(s.data.data() + rowBytes * y);
    png_write_image(png, rows.data());
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return out;
}

/// One JPEG from `components`-channel samples in `inSpace`, stored as `jpegSpace`, optional APP1 payload.
inline std::string writeJpeg(int width, int height, int components, J_COLOR_SPACE inSpace,
                             J_COLOR_SPACE jpegSpace, const std::vector<std::uint8_t>& samples,
                             const std::string& app1 = {}, int quality = 95) {
    jpeg_compress_struct c;
    jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buffer, &size);
    c.image_width = JDIMENSION(width);
    c.image_height = JDIMENSION(height);
    c.input_components = components;
    c.in_color_space = inSpace;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, jpegSpace);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    if (!app1.empty())
        jpeg_write_marker(&c, JPEG_APP0 + 1, reinterpret_cast<const JOCTET*>(app1.data()), unsigned(app1.size()));
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(samples.data() + std::size_t(c.next_scanline) * width * components);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    std::string out(reinterpret_cast<char*>(buffer), size);
    jpeg_destroy_compress(&c);
    std::free(buffer);
    return out;
}

/// An APP1 payload with only an orientation tag (little- or big-endian TIFF).
inline std::string exifWithOrientation(int orientation, bool bigEndian = false) {
    std::string s("Exif\0\0", 6);
    auto u16 = [&](unsigned v) {
        if (bigEndian) {
            s += char(v >> 8);
            s += char(v & 255);
        } else {
            s += char(v & 255);
            s += char(v >> 8);
        }
    };
    auto u32 = [&](std::uint32_t v) {
        if (bigEndian) {
            u16(v >> 16);
            u16(v & 0xffff);
        } else {
            u16(v & 0xffff);
            u16(v >> 16);
        }
    };
    s += bigEndian ? "MM" : "II";
    u16(42);
    u32(8);
    u16(2);  // two entries: an unrelated tag, then the orientation
    u16(0x010f); u16(2); u32(4); u32(0x00414243);  // Make = "CBA"
    u16(0x0112); u16(3); u32(1); u16(unsigned(orientation)); u16(0);
    u32(0);
    return s;
}

}  // namespace enc
