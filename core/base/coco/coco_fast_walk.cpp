#include "base/coco/coco_fast_walk.h"

#if STUDIO_HAVE_SIMDJSON

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <simdjson.h>

namespace studio::coco_detail {

namespace {

constexpr bool isSpace(int c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/// The cut whose "}" is at bytes[i], if its pattern is complete within n bytes.
std::optional<ElementCut> cutAt(const char* bytes, std::size_t n, std::size_t i) {
    std::size_t k = i + 1;
    while (k < n && isSpace(bytes[k]))
        ++k;
    if (k >= n)
        return std::nullopt;
    if (bytes[k] == ']')
        return ElementCut{i, k, true};
    if (bytes[k] != ',')
        return std::nullopt;
    ++k;
    while (k < n && isSpace(bytes[k]))
        ++k;
    if (k >= n || bytes[k] != '{')
        return std::nullopt;
    return ElementCut{i, k, false};
}

Section classifyKey(const std::string& k) {
    if (k == "images")
        return Section::Images;
    if (k == "annotations")
        return Section::Annotations;
    if (k == "categories")
        return Section::Categories;
    return Section::Other;
}

constexpr std::size_t kReadBlock = std::size_t(64) << 10;
constexpr int kMaxValueTries = 4096;  // parses of prefixes of one skipped value

}  // namespace

JsonFile::JsonFile(const std::string& path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (m_fd >= 0 && ::fstat(m_fd, &st) == 0 && S_ISREG(st.st_mode)) {
        m_size = static_cast<std::uint64_t>(st.st_size);
    } else if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

JsonFile::~JsonFile() {
    if (m_fd >= 0)
        ::close(m_fd);
}

bool JsonFile::read(std::uint64_t offset, char* into, std::size_t n) const {
    while (n > 0) {
        const ssize_t got = ::pread(m_fd, into, n, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        into += got;
        n -= static_cast<std::size_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
    return true;
}

std::optional<ElementCut> lastCut(const char* bytes, std::size_t n) {
    for (std::size_t end = n; end > 0;) {
        const void* hit = ::memrchr(bytes, '}', end);
        if (!hit)
            return std::nullopt;
        const auto i = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes);
        if (auto c = cutAt(bytes, n, i))
            return c;
        end = i;
    }
    return std::nullopt;
}

std::optional<ElementCut> firstSectionEnd(const char* bytes, std::size_t n) {
    for (std::size_t k = 0; k < n;) {
        const void* hit = std::memchr(bytes + k, ']', n - k);
        if (!hit)
            return std::nullopt;
        k = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes);
        std::size_t j = k;
        while (j > 0 && isSpace(bytes[j - 1]))
            --j;
        if (j > 0 && bytes[j - 1] == '}')
            return ElementCut{j - 1, k, true};
        ++k;
    }
    return std::nullopt;
}

std::optional<ElementCut> firstCut(const char* bytes, std::size_t n, std::size_t from) {
    for (std::size_t i = from; i < n;) {
        const void* hit = std::memchr(bytes + i, '}', n - i);
        if (!hit)
            return std::nullopt;
        i = static_cast<std::size_t>(static_cast<const char*>(hit) - bytes);
        if (auto c = cutAt(bytes, n, i))
            return c;
        ++i;
    }
    return std::nullopt;
}

TopLevelWalker::TopLevelWalker(const JsonFile& file, std::size_t maxValueBytes, FastParseStats* stats)
    : m_file(file), m_maxValueBytes(maxValueBytes), m_stats(stats) {}

bool TopLevelWalker::giveUp(std::string why) {
    m_stats->gaveUp = std::move(why);
    return false;
}

int TopLevelWalker::peek() {
    if (m_pos < m_base || m_pos >= m_base + m_buffer.size()) {
        m_base = m_pos;
        m_buffer.clear();
        if (m_pos >= m_file.size())
            return -1;
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kReadBlock, m_file.size() - m_pos));
        m_buffer.resize(n);
        if (!m_file.read(m_pos, &m_buffer[0], n)) {
            m_buffer.clear();
            return -1;
        }
    }
    return static_cast<unsigned char>(m_buffer[m_pos - m_base]);
}

int TopLevelWalker::get() {
    const int c = peek();
    if (c >= 0)
        ++m_pos;
    return c;
}

void TopLevelWalker::skipWhitespace() {
    while (isSpace(peek()))
        ++m_pos;
}

bool TopLevelWalker::readKey(std::string* key) {
    key->clear();
    while (true) {
        const int c = get();
        if (c == '"')
            break;
        if (c < 0x20 || c == '\\' || key->size() > 4096)
            return giveUp("a top-level key with escapes, control characters or no end");
        key->push_back(static_cast<char>(c));
    }
    if (!simdjson::validate_utf8(key->data(), key->size()))
        return giveUp("a top-level key that is not UTF-8");
    return true;
}

/// The value at m_pos ends just before the first "," or "}" such that the bytes up to it parse as
/// one JSON value (any earlier "," or "}" is inside it, so the prefix is incomplete there).
bool TopLevelWalker::skipValue() {
    simdjson::dom::parser parser;
    const std::uint64_t start = m_pos;
    std::size_t window = kReadBlock, scanned = 0;
    int tries = 0;
    while (true) {
        window = static_cast<std::size_t>(std::min<std::uint64_t>(window, m_file.size() - start));
        std::unique_ptr<char[]> text(new char[window + simdjson::SIMDJSON_PADDING]);
        if (!m_file.read(start, text.get(), window))
            return giveUp("cannot read the file");
        std::memset(text.get() + window, ' ', simdjson::SIMDJSON_PADDING);
        for (std::size_t i = scanned; i < window; ++i) {
            if (text[i] != ',' && text[i] != '}')
                continue;
            if (++tries > kMaxValueTries)
                return giveUp("a top-level value with too many commas to skip quickly");
            simdjson::dom::element e;
            if (parser.parse(text.get(), i, false).get(e) == simdjson::SUCCESS) {
                m_pos = start + i;
                return true;
            }
        }
        scanned = window;
        if (start + window >= m_file.size() || window >= m_maxValueBytes)
            return giveUp("a top-level value that does not end within " + std::to_string(window) + " bytes");
        window *= 2;
    }
}

bool TopLevelWalker::walk(const SectionReader& readSection) {
    skipWhitespace();
    if (get() != '{')
        return giveUp("the file does not start with a JSON object");
    skipWhitespace();
    if (peek() == '}') {
        get();
    } else {
        std::string key;
        while (true) {
            if (get() != '"' || !readKey(&key))
                return m_stats->gaveUp.empty() ? giveUp("a malformed top-level key") : false;
            skipWhitespace();
            if (get() != ':')
                return giveUp("no \":\" after a top-level key");
            skipWhitespace();
            const Section s = classifyKey(key);
            if (s == Section::Other) {
                // A large array of objects ("licenses", or anything else) is validated in batches
                // like the sections; other values by parsing their shortest complete prefix.
                const std::uint64_t valueStart = m_pos;
                std::uint64_t after = 0;
                if (get() == '[' && (skipWhitespace(), peek() == '{')) {
                    if (!readSection(s, m_pos, &after))
                        return false;
                    m_pos = after;
                } else {
                    m_pos = valueStart;
                    if (!skipValue())
                        return false;
                }
            } else {
                if (m_seen[static_cast<int>(s)])
                    return giveUp("\"" + key + "\" appears twice");
                m_seen[static_cast<int>(s)] = true;
                if (get() != '[')
                    return giveUp("\"" + key + "\" is not an array");
                skipWhitespace();
                if (peek() == ']') {
                    get();
                } else if (peek() == '{') {
                    std::uint64_t after = 0;
                    if (!readSection(s, m_pos, &after))
                        return false;
                    m_pos = after;
                } else {
                    return giveUp("an element of \"" + key + "\" is not an object");
                }
            }
            skipWhitespace();
            const int c = get();
            if (c == '}')
                break;
            if (c != ',')
                return giveUp("no \",\" or \"}\" after a top-level member");
            skipWhitespace();
        }
    }
    skipWhitespace();
    if (peek() != -1 || m_pos != m_file.size())
        return giveUp("content after the top-level object");
    return true;
}

}  // namespace studio::coco_detail

#endif  // STUDIO_HAVE_SIMDJSON
