#pragma once
// Reads the size of a PNG or JPEG from its first bytes (PNG IHDR; JPEG SOF segment, found by
// walking the segment lengths, plus the EXIF orientation from APP1) without decoding pixels. Reads
// at most a few kilobytes per segment, so a multi-gigabyte file costs no more than a small one.
// Other formats are recognised by their signature so the message can name them.
#include <cstdint>
#include <string>

namespace studio {

enum class ImageFormat { Unknown, Png, Jpeg, Gif, Bmp, Webp, Tiff };
const char* imageFormatName(ImageFormat f);  // "PNG", "JPEG", ...

struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    int width = 0, height = 0;  // as stored in the file
    int exifOrientation =
        1;  // JPEG EXIF orientation 1..8 (5..8 swap width and height when displayed)
    /// Size after applying the EXIF orientation (what a decoder that honours EXIF produces).
    int orientedWidth() const {
        return exifOrientation >= 5 && exifOrientation <= 8 ? height : width;
    }
    int orientedHeight() const {
        return exifOrientation >= 5 && exifOrientation <= 8 ? width : height;
    }
};

struct ImageProbe {
    bool ok = false;
    ImageHeader header;
    std::string
        error;  // why not ok: "cannot open (No such file or directory)", "is a WebP image, ..."
};

/// Probes `path`. Never throws; `error` says what is wrong. Any thread.
ImageProbe probeImage(const std::string& path);

}  // namespace studio
