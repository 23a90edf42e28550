#include "train/data/png_decoder.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace studio::train {

namespace {

constexpr std::uint64_t kMaxPixels = std::uint64_t(1) << 28;  // 268 Mpx (800 MB as RGB)

// libpng state with the input in memory. libpng reports errors with longjmp: every call into libpng
// happens right after a setjmp in a frame that owns no C++ objects, and the error is then thrown.
class PngStream {
public:
    /// Reads `view`; keeps `owned` alive when the view points into it.
    PngStream(std::string owned, std::string_view view, std::string name)
        : m_owned(std::move(owned)), m_bytes(view.data() ? view : std::string_view(m_owned)), m_name(std::move(name)) {
        m_png = png_create_read_struct(PNG_LIBPNG_VER_STRING, this, onError, onWarning);
        if (m_png) m_info = png_create_info_struct(m_png);
        if (!m_png || !m_info) throw std::runtime_error(m_name + ": out of memory creating the PNG decoder");
        png_set_read_fn(m_png, this, readBytes);
#if defined(PNG_IGNORE_ADLER32)
        // Every chunk (IDAT included) is still CRC-32 checked, so a damaged file is still caught; the extra
        // Adler-32 pass over the inflated pixels costs ~10% of the decode (libpng added this for Chromium).
        png_set_option(m_png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    }
    ~PngStream() { png_destroy_read_struct(&m_png, &m_info, nullptr); }
    PngStream(const PngStream&) = delete;
    PngStream& operator=(const PngStream&) = delete;

    [[noreturn]] void fail() const {
        throw std::runtime_error(m_name + ": corrupt or truncated PNG (" + m_message + ")");
    }
    png_structp png() const { return m_png; }
    png_infop info() const { return m_info; }
    const std::string& name() const { return m_name; }

private:
    static void onError(png_structp png, png_const_charp message) {
        auto* self = static_cast<PngStream*>(png_get_error_ptr(png));
        std::snprintf(self->m_message, sizeof self->m_message, "%s", message);
        png_longjmp(png, 1);
    }
    static void onWarning(png_structp, png_const_charp) {}
    static void readBytes(png_structp png, png_bytep out, png_size_t n) {
        auto* self = static_cast<PngStream*>(png_get_io_ptr(png));
        if (n > self->m_bytes.size() - self->m_pos) png_error(png, "unexpected end of file: the file is truncated");
        std::memcpy(out, self->m_bytes.data() + self->m_pos, n);
        self->m_pos += n;
    }

    std::string m_owned;
    std::string_view m_bytes;
    std::string m_name;
    std::size_t m_pos = 0;
    png_structp m_png = nullptr;
    png_infop m_info = nullptr;
    char m_message[200] = {};
};

// Each function below calls libpng only after its own setjmp.
bool readInfo(PngStream& s) {
    if (setjmp(png_jmpbuf(s.png()))) return false;
    png_read_info(s.png(), s.info());
    return true;
}

// Asks libpng for 8-bit RGB whatever the file holds; returns the number of interlace passes, 0 on error.
int setRgb8Transforms(PngStream& s) {
    png_structp png = s.png();
    png_infop info = s.info();
    if (setjmp(png_jmpbuf(png))) return 0;
    const int colorType = png_get_color_type(png, info);
    const int bitDepth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bitDepth == 16) png_set_strip_16(png);  // the high byte, as PIL
    if (colorType == PNG_COLOR_TYPE_GRAY || colorType == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    // convert("RGB") drops alpha (no compositing); tRNS becomes alpha through the expansion above.
    if ((colorType & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) {
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
        png_set_strip_alpha(png);
    }
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return passes;
}

bool readOneRow(PngStream& s, std::uint8_t* row) {
    if (setjmp(png_jmpbuf(s.png()))) return false;
    png_read_row(s.png(), row, nullptr);
    return true;
}

bool readWholeImage(PngStream& s, png_bytepp rows) {
    if (setjmp(png_jmpbuf(s.png()))) return false;
    png_read_image(s.png(), rows);
    return true;
}

bool readEnd(PngStream& s) {
    if (setjmp(png_jmpbuf(s.png()))) return false;
    png_read_end(s.png(), nullptr);
    return true;
}

class PngRowSource final : public RowSource {
public:
    PngRowSource(std::unique_ptr<PngStream> stream, int width, int height)
        : m_stream(std::move(stream)) {
        setSize(width, height, width, height);
    }

protected:
    void decodeRow(std::uint8_t* rgb) override {
        if (!readOneRow(*m_stream, rgb)) m_stream->fail();
    }
    void decodeEnd() override {
        if (!readEnd(*m_stream)) m_stream->fail();
    }

private:
    std::unique_ptr<PngStream> m_stream;
};

ImageInfo infoOf(PngStream& s) {
    ImageInfo info;
    info.codec = ImageCodec::Png;
    info.width = static_cast<int>(png_get_image_width(s.png(), s.info()));
    info.height = static_cast<int>(png_get_image_height(s.png(), s.info()));
    if (info.width <= 0 || info.height <= 0 || std::uint64_t(info.width) * std::uint64_t(info.height) > kMaxPixels)
        throw std::runtime_error(s.name() + ": PNG of " + std::to_string(info.width) + "x" +
                                 std::to_string(info.height) + " pixels is too large to decode");
    return info;
}

}  // namespace

bool looksLikePng(std::string_view bytes) {
    return bytes.size() >= 8 && png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0;
}

ImageInfo readPngInfo(std::string_view bytes, const std::string& name) {
    PngStream s({}, bytes.empty() ? std::string_view("", 0) : bytes, name);
    if (!readInfo(s)) s.fail();
    return infoOf(s);
}

std::unique_ptr<RowSource> openPng(std::string bytes, const std::string& name) {
    auto s = std::make_unique<PngStream>(std::move(bytes), std::string_view(), name);
    if (!readInfo(*s)) s->fail();
    const ImageInfo info = infoOf(*s);
    const int passes = setRgb8Transforms(*s);
    if (passes == 0) s->fail();
    if (png_get_rowbytes(s->png(), s->info()) != std::size_t(info.width) * 3)
        throw std::runtime_error(name + ": unsupported PNG pixel layout");
    if (passes == 1) return std::make_unique<PngRowSource>(std::move(s), info.width, info.height);
    // Adam7 interlacing: rows are only final after the last pass, so decode the whole image.
    RgbImage image(info.width, info.height);
    std::vector<png_bytep> rows(static_cast<std::size_t>(info.height));
    for (int y = 0; y < info.height; ++y) rows[y] = image.row(y);
    if (!readWholeImage(*s, rows.data()) || !readEnd(*s)) s->fail();
    return memoryRowSource(std::move(image));
}

}  // namespace studio::train
