#pragma once
// libjpeg (jpeglib.h) decoding to RGB8 (internal to image_decoder.cpp; use openImage/decodeImage).
#include <memory>
#include <string>

#include "train/data/image_decoder.h"

namespace studio::train {

/// True when `bytes` starts with a JPEG SOI marker.
bool looksLikeJpeg(std::string_view bytes);
/// Header of a JPEG, with its EXIF orientation. Throws std::runtime_error naming `name` on bad input.
ImageInfo readJpegInfo(std::string_view bytes, const std::string& name);
/// Row source over a JPEG: DCT-scaled when options allow, CMYK/YCCK converted, EXIF orientation applied
/// (an oriented image is decoded whole first). Throws std::runtime_error naming `name`.
std::unique_ptr<RowSource> openJpeg(std::string bytes, const std::string& name, const DecodeOptions& options);

}  // namespace studio::train
