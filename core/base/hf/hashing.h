#pragma once
// Streaming SHA-256 and SHA-1 (OpenSSL libcrypto) for the Hub: LFS/Xet blobs are named by the SHA-256 of
// their content, small git-stored files by their git blob SHA-1 (sha1("blob <size>\0" + content)).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace studio::hf {

enum class HashKind { Sha256, Sha1 };

class Hasher {
public:
    /// A fresh hasher; throws std::runtime_error if libcrypto cannot provide the digest.
    explicit Hasher(HashKind kind = HashKind::Sha256);
    ~Hasher();
    Hasher(Hasher&&) noexcept;
    Hasher& operator=(Hasher&&) noexcept;

    /// Adds bytes. Not thread-safe (one hasher per stream).
    void update(const void* data, std::size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    /// Lower-case hex digest; the hasher is reset afterwards.
    std::string hexDigest();
    /// Raw digest bytes; the hasher is reset afterwards.
    std::string digest();
    HashKind kind() const { return m_kind; }

private:
    struct Ctx;
    HashKind m_kind;
    std::unique_ptr<Ctx> m_ctx;
};

/// Hex SHA-256 of `bytes`.
std::string sha256Hex(std::string_view bytes);
/// Hex SHA-256 of the first `limit` bytes of a file (all of it when limit is UINT64_MAX); throws
/// std::runtime_error naming the file when it cannot be read or is shorter than `limit`.
std::string sha256File(const std::string& path, std::uint64_t limit = UINT64_MAX);
/// Lower-case hex of raw bytes.
std::string toHex(std::string_view bytes);
/// True for 64 hex characters (a SHA-256 etag) / 40 hex characters (a git SHA-1).
bool isSha256Hex(std::string_view s);
bool isSha1Hex(std::string_view s);
/// Standard base64 (with padding).
std::string base64Encode(std::string_view bytes);

}  // namespace studio::hf
