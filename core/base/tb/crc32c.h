#pragma once
// CRC-32C (Castagnoli, reflected 0x82F63B78) and TensorFlow's masked variant used by TFRecord framing.
#include <cstddef>
#include <cstdint>

namespace studio {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
/// ((crc >> 15 | crc << 17) + 0xA282EAD8) mod 2^32.
std::uint32_t maskedCrc32c(const void* data, std::size_t size);

}  // namespace studio
