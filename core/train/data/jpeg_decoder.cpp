#include "train/data/jpeg_decoder.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "train/data/exif_orientation.h"

namespace studio::train {

namespace {

constexpr std::uint64_t kMaxPixels = std::uint64_t(1) << 28;

struct ErrorManager {
    jpeg_error_mgr base;  // first member: libjpeg hands us a pointer to it
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
};

void onErrorExit(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    cinfo->err->format_message(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

// libjpeg treats a missing end of file as a warning and pads the image with gray; PIL refuses such files
// ("image file is truncated") and so do we. Other warnings (extraneous bytes, ...) are ignored as PIL does.
void onMessage(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) onErrorExit(cinfo);
}

// libjpeg state with the input in memory. Calls into libjpeg happen right after a setjmp in frames that
// own no C++ objects; the error is thrown from the owning object afterwards.
class JpegStream {
public:
    JpegStream(std::string owned, std::string_view view, std::string name)
        : m_owned(std::move(owned)), m_bytes(view.data() ? view : std::string_view(m_owned)), m_name(std::move(name)) {
        std::memset(&m_cinfo, 0, sizeof m_cinfo);
        m_cinfo.err = jpeg_std_error(&m_err.base);
        m_err.base.error_exit = onErrorExit;
        m_err.base.emit_message = onMessage;
        jpeg_create_decompress(&m_cinfo);
        jpeg_mem_src(&m_cinfo, reinterpret_cast<const unsigned char*>(m_bytes.data()),
                     static_cast<unsigned long>(m_bytes.size()));
    }
    ~JpegStream() { jpeg_destroy_decompress(&m_cinfo); }
    JpegStream(const JpegStream&) = delete;
    JpegStream& operator=(const JpegStream&) = delete;

    [[noreturn]] void fail() const {
        throw std::runtime_error(m_name + ": corrupt or truncated JPEG (" + m_err.message + ")");
    }
    jpeg_decompress_struct& cinfo() { return m_cinfo; }
    void setMessage(const char* message) { std::snprintf(m_err.message, sizeof m_err.message, "%s", message); }
    std::jmp_buf& jump() { return m_err.jump; }
    const std::string& name() const { return m_name; }

private:
    std::string m_owned;
    std::string_view m_bytes;
    std::string m_name;
    ErrorManager m_err;
    jpeg_decompress_struct m_cinfo;
};

bool readHeader(JpegStream& s) {
    if (setjmp(s.jump())) return false;
    jpeg_save_markers(&s.cinfo(), JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&s.cinfo(), TRUE);
    return true;
}

bool start(JpegStream& s) {
    if (setjmp(s.jump())) return false;
    jpeg_start_decompress(&s.cinfo());
    return true;
}

bool readScanline(JpegStream& s, JSAMPROW row) {
    if (setjmp(s.jump())) return false;
    if (jpeg_read_scanlines(&s.cinfo(), &row, 1) != 1) {
        s.setMessage("no more scanlines");
        return false;
    }
    return true;
}

bool finishDecompress(JpegStream& s) {
    if (setjmp(s.jump())) return false;
    jpeg_finish_decompress(&s.cinfo());
    return true;
}

int orientationOf(JpegStream& s) {
    for (jpeg_saved_marker_ptr m = s.cinfo().marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) {
            const int o = exifOrientation(m->data, m->data_length);
            if (o != 1) return o;
        }
    }
    return 1;
}

// PIL's CMYK -> RGB (Convert.c cmyk2rgb): channel = (255 - K) - (255 - K) * C / 255, with its rounding.
inline std::uint8_t mulDiv255(int a, int b) {
    const int t = a * b + 128;
    return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

void cmykToRgb(const std::uint8_t* cmyk, std::uint8_t* rgb, int width, bool inverted) {
    for (int x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
        int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (inverted) {  // Adobe writes inverted CMYK (PIL's "CMYK;I")
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        const int nk = 255 - k;
        rgb[0] = static_cast<std::uint8_t>(nk - mulDiv255(c, nk));
        rgb[1] = static_cast<std::uint8_t>(nk - mulDiv255(m, nk));
        rgb[2] = static_cast<std::uint8_t>(nk - mulDiv255(y, nk));
    }
}

class JpegRowSource final : public RowSource {
public:
    JpegRowSource(std::unique_ptr<JpegStream> stream, int fullWidth, int fullHeight)
        : m_stream(std::move(stream)) {
        auto& c = m_stream->cinfo();
        m_cmyk = c.out_color_space == JCS_CMYK;
        m_inverted = m_cmyk && c.saw_Adobe_marker;
        if (m_cmyk) m_cmykRow.resize(std::size_t(c.output_width) * 4);
        setSize(int(c.output_width), int(c.output_height), fullWidth, fullHeight);
    }

protected:
    void decodeRow(std::uint8_t* rgb) override {
        JSAMPROW row = m_cmyk ? m_cmykRow.data() : rgb;
        if (!readScanline(*m_stream, row)) m_stream->fail();
        if (m_cmyk) cmykToRgb(m_cmykRow.data(), rgb, width(), m_inverted);
    }
    void decodeEnd() override {
        if (!finishDecompress(*m_stream)) m_stream->fail();
    }

private:
    std::unique_ptr<JpegStream> m_stream;
    bool m_cmyk = false, m_inverted = false;
    std::vector<std::uint8_t> m_cmykRow;
};

ImageInfo infoOf(JpegStream& s) {
    ImageInfo info;
    info.codec = ImageCodec::Jpeg;
    info.width = int(s.cinfo().image_width);
    info.height = int(s.cinfo().image_height);
    info.orientation = orientationOf(s);
    if (info.width <= 0 || info.height <= 0 || std::uint64_t(info.width) * std::uint64_t(info.height) > kMaxPixels)
        throw std::runtime_error(s.name() + ": JPEG of " + std::to_string(info.width) + "x" +
                                 std::to_string(info.height) + " pixels is too large to decode");
    return info;
}

int ceilDiv(int a, int b) { return (a + b - 1) / b; }

// The largest of 1, 2, 4, 8 whose scaled size still covers what the caller needs.
int dctDenominator(const ImageInfo& info, const DecodeOptions& options, bool oriented) {
    if (options.minWidth <= 0 && options.minHeight <= 0) return 1;
    const int w = oriented ? info.orientedWidth() : info.width;
    const int h = oriented ? info.orientedHeight() : info.height;
    int best = 1;
    for (int d : {2, 4, 8}) {
        if (ceilDiv(w, d) >= options.minWidth && ceilDiv(h, d) >= options.minHeight) best = d;
    }
    return best;
}

}  // namespace

bool looksLikeJpeg(std::string_view bytes) {
    return bytes.size() >= 3 && std::uint8_t(bytes[0]) == 0xFF && std::uint8_t(bytes[1]) == 0xD8 &&
           std::uint8_t(bytes[2]) == 0xFF;
}

ImageInfo readJpegInfo(std::string_view bytes, const std::string& name) {
    JpegStream s({}, bytes.empty() ? std::string_view("", 0) : bytes, name);
    if (!readHeader(s)) s.fail();
    return infoOf(s);
}

std::unique_ptr<RowSource> openJpeg(std::string bytes, const std::string& name, const DecodeOptions& options) {
    auto s = std::make_unique<JpegStream>(std::move(bytes), std::string_view(), name);
    if (!readHeader(*s)) s->fail();
    const ImageInfo info = infoOf(*s);
    const int orientation = options.applyExifOrientation ? info.orientation : 1;
    auto& c = s->cinfo();
    c.out_color_space = (c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK) ? JCS_CMYK : JCS_RGB;
    c.scale_num = 1;
    c.scale_denom = static_cast<unsigned>(dctDenominator(info, options, orientation != 1));
    if (!start(*s)) s->fail();
    if (c.output_components != (c.out_color_space == JCS_CMYK ? 4 : 3))
        throw std::runtime_error(name + ": unsupported JPEG colour layout");
    const int fullW = orientation >= 5 ? info.height : info.width;
    const int fullH = orientation >= 5 ? info.width : info.height;
    auto rows = std::make_unique<JpegRowSource>(std::move(s), fullW, fullH);
    if (orientation == 1) return rows;
    // Rotations need the whole image.
    RgbImage image(rows->width(), rows->height());
    for (int y = 0; y < image.height; ++y) rows->readRow(image.row(y));
    return memoryRowSource(applyOrientation(image, orientation), fullW, fullH);
}

}  // namespace studio::train
