#pragma once
// libpng decoding to RGB8 (internal to image_decoder.cpp; use openImage/decodeImage).
#include <memory>
#include <string>

#include "train/data/image_decoder.h"

namespace studio::train {

/// True when `bytes` starts with the PNG signature.
bool looksLikePng(std::string_view bytes);
/// Header of a PNG. Throws std::runtime_error naming `name` on bad input.
ImageInfo readPngInfo(std::string_view bytes, const std::string& name);
/// Row source over a PNG (interlaced files are decoded whole first). Throws std::runtime_error naming `name`.
std::unique_ptr<RowSource> openPng(std::string bytes, const std::string& name);

}  // namespace studio::train
