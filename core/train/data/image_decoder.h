#pragma once
// Image decoding for the data loader: PNG through libpng, JPEG through the libjpeg API (jpeglib.h;
// libjpeg-turbo on both the Debian and the GPU machines; turbojpeg.h is not used). Every input becomes
// 8-bit RGB, as PIL's Image.open(...).convert("RGB") does: 16-bit, gray, gray+alpha, palette and RGBA PNGs
// are converted (alpha dropped), CMYK/YCCK JPEGs converted to RGB, the EXIF orientation applied.
// Decoding can stream rows (RowSource) so the resizer never holds the full-size page.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/image/rgb_image.h"

namespace studio::train {

enum class ImageCodec { Png, Jpeg };

struct DecodeOptions {
    /// Rotate/flip JPEGs as their EXIF orientation tag says (what labelling tools display).
    bool applyExifOrientation = true;
    /// The smallest size (after orientation) the caller will use. A JPEG whose 1/2, 1/4 or 1/8 scale still
    /// covers it is decoded at that scale by libjpeg's DCT scaling (much faster). 0 = always full size.
    int minWidth = 0;
    int minHeight = 0;
};

/// What the header says, without decoding pixels.
struct ImageInfo {
    ImageCodec codec = ImageCodec::Png;
    int width = 0, height = 0;  // as stored
    int orientation = 1;        // EXIF orientation 1..8 (JPEG only)
    int orientedWidth() const { return orientation >= 5 ? height : width; }
    int orientedHeight() const { return orientation >= 5 ? width : height; }
};

/// Decoded rows of one image, top to bottom, RGB8. Not thread-safe (one per decode).
class RowSource {
public:
    virtual ~RowSource() = default;
    /// Size of the rows delivered (smaller than the image when a JPEG is DCT-scaled).
    int width() const { return m_width; }
    int height() const { return m_height; }
    /// Size of the full-resolution image after orientation (what annotations refer to).
    int fullWidth() const { return m_fullWidth; }
    int fullHeight() const { return m_fullHeight; }
    /// Index of the next row readRow() delivers.
    int nextRow() const { return m_next; }
    /// Decodes the next row (width() * 3 bytes) into `rgb`. After the last row the rest of the file is
    /// checked too. Throws std::runtime_error naming the image for corrupt or truncated data.
    void readRow(std::uint8_t* rgb);
    /// Decodes and discards the remaining rows (so truncation is always detected).
    void finish();

protected:
    void setSize(int width, int height, int fullWidth, int fullHeight);
    virtual void decodeRow(std::uint8_t* rgb) = 0;
    /// Called once after the last row (trailer checks).
    virtual void decodeEnd() {}

private:
    int m_width = 0, m_height = 0, m_fullWidth = 0, m_fullHeight = 0;
    int m_next = 0;
};

/// Reads the header of `bytes`. `name` (file name) is used in error messages. Throws std::runtime_error
/// ("<name>: not a PNG or JPEG image ...", "<name>: truncated ...") on bad input. Any thread.
ImageInfo readImageInfo(std::string_view bytes, const std::string& name);

/// Opens `bytes` (moved in, owned by the source) for row-by-row decoding. Throws like readImageInfo.
std::unique_ptr<RowSource> openImage(std::string bytes, const std::string& name,
                                     const DecodeOptions& options = {});

/// Decodes the whole image into memory. Throws std::runtime_error naming the image. Any thread.
studio::RgbImage decodeImage(std::string bytes, const std::string& name, const DecodeOptions& options = {});

/// Reads and decodes the file at `path`. Throws std::runtime_error naming the file. Any thread.
studio::RgbImage readImageFile(const std::string& path, const DecodeOptions& options = {});

/// Rows of an image already in memory (shares nothing; the image is moved in).
std::unique_ptr<RowSource> memoryRowSource(studio::RgbImage image, int fullWidth = 0, int fullHeight = 0);

}  // namespace studio::train
