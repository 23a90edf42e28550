#include "train/cli/image_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "base/util/atomic_file.h"

// Private copies of stb (static functions): no clash with other users of stb in the program.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_THREAD_LOCALS
#include "stb_image.h"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "stb_image_write.h"

namespace studio::train {

RgbImage decodeImageFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open the image (" + std::strerror(errno) + ")");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.empty()) throw std::runtime_error(path + ": the image file is empty");
    int w = 0, h = 0, channels = 0;
    stbi_uc* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(data.data()), static_cast<int>(data.size()),
                                            &w, &h, &channels, 3);
    if (!pixels)
        throw std::runtime_error(path + ": cannot decode the image (" + std::string(stbi_failure_reason()) +
                                 "); use a JPEG or PNG file");
    RgbImage img;
    img.width = w;
    img.height = h;
    img.pixels.assign(pixels, pixels + static_cast<std::size_t>(w) * h * 3);
    stbi_image_free(pixels);
    return img;
}

void writePngFile(const std::string& path, const RgbImage& image) {
    std::string png;
    auto sink = [](void* context, void* data, int size) {
        static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
    };
    if (!stbi_write_png_to_func(sink, &png, image.width, image.height, 3, image.pixels.data(), image.width * 3))
        throw std::runtime_error(path + ": cannot encode the PNG");
    writeFileAtomic(path, png);
}

}  // namespace studio::train
