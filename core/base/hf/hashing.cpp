#include "base/hf/hashing.h"

#include <openssl/evp.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace studio::hf {

struct Hasher::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() { EVP_MD_CTX_free(md); }
};

namespace {
const EVP_MD* digestOf(HashKind kind) { return kind == HashKind::Sha256 ? EVP_sha256() : EVP_sha1(); }

void initCtx(EVP_MD_CTX* ctx, HashKind kind) {
    if (EVP_DigestInit_ex(ctx, digestOf(kind), nullptr) != 1)
        throw std::runtime_error("libcrypto could not start a SHA digest");
}
}  // namespace

Hasher::Hasher(HashKind kind) : m_kind(kind), m_ctx(std::make_unique<Ctx>()) {
    m_ctx->md = EVP_MD_CTX_new();
    if (!m_ctx->md) throw std::runtime_error("libcrypto could not allocate a digest context");
    initCtx(m_ctx->md, kind);
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(const void* data, std::size_t size) {
    if (size > 0 && EVP_DigestUpdate(m_ctx->md, data, size) != 1)
        throw std::runtime_error("libcrypto digest update failed");
}

std::string Hasher::digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(m_ctx->md, out, &n) != 1) throw std::runtime_error("libcrypto digest failed");
    initCtx(m_ctx->md, m_kind);
    return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Hasher::hexDigest() { return toHex(digest()); }

std::string sha256Hex(std::string_view bytes) {
    Hasher h;
    h.update(bytes);
    return h.hexDigest();
}

std::string sha256File(const std::string& path, std::uint64_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    Hasher h;
    std::vector<char> buf(1 << 20);
    std::uint64_t left = limit;
    while (left > 0) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), left));
        in.read(buf.data(), static_cast<std::streamsize>(want));
        const auto got = static_cast<std::size_t>(in.gcount());
        h.update(buf.data(), got);
        if (limit != UINT64_MAX) left -= got;
        if (got < want) {
            if (limit != UINT64_MAX) throw std::runtime_error("cannot read " + path + ": shorter than expected");
            break;
        }
    }
    return h.hexDigest();
}

std::string toHex(std::string_view bytes) {
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

namespace {
bool isHexOfLength(std::string_view s, std::size_t n) {
    if (s.size() != n) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}
}  // namespace

bool isSha256Hex(std::string_view s) { return isHexOfLength(s, 64); }
bool isSha1Hex(std::string_view s) { return isHexOfLength(s, 40); }

std::string base64Encode(std::string_view bytes) {
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = (unsigned char)bytes[i] << 16;
        if (i + 1 < bytes.size()) v |= (unsigned char)bytes[i + 1] << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace studio::hf
