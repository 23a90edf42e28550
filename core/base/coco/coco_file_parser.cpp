#include "base/coco/coco_file_parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "base/coco/coco_fast_parser.h"
#include "base/coco/coco_sax_handler.h"
#include "base/log/log.h"

namespace studio::coco_detail {

namespace {

using json = CocoJson;

/// Offset of the first "{" preceded by "," and optional whitespace at or after `from` (within 4 MB),
/// or 0 when there is none.
std::uint64_t findBoundary(int fd, std::uint64_t from, std::uint64_t size) {
    constexpr std::size_t kStep = std::size_t(64) << 10;
    constexpr std::uint64_t kLimit = std::uint64_t(4) << 20;  // give up on this part after 4 MB
    char buf[kStep];
    bool afterComma = false;
    for (std::uint64_t at = from; at < size && at - from < kLimit; at += kStep) {
        const ssize_t n = ::pread(fd, buf, kStep, static_cast<off_t>(at));
        if (n <= 0)
            return 0;
        for (ssize_t i = 0; i < n; ++i) {
            const char c = buf[i];
            if (c == ',') {
                afterComma = true;
            } else if (afterComma && c == '{') {
                return at + static_cast<std::uint64_t>(i);
            } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                afterComma = false;
            }
        }
    }
    return 0;
}

/// The parser reports an error after reading the whole offending token, sometimes one byte more
/// (numbers end on the next byte). Point at the token's first byte instead, as Python does, when
/// the file confirms it.
std::uint64_t tokenStart(const std::string& path, std::uint64_t last, const std::string& token) {
    if (token.empty() || token.size() > 4096)
        return last;
    // Single-character tokens pile up in the parser's token text ("2,," for an unexpected second
    // comma): then the last byte read is the culprit.
    if (std::string_view(",:[]{}").find(token.back()) != std::string_view::npos)
        return last;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return last;
    std::string bytes(token.size(), '\0');
    std::uint64_t found = last;
    for (std::uint64_t back = 0; back <= 1; ++back) {
        if (last + 1 < token.size() + back)
            break;
        const std::uint64_t start = last + 1 - token.size() - back;
        if (::pread(fd, &bytes[0], bytes.size(), static_cast<off_t>(start)) ==
                static_cast<ssize_t>(bytes.size()) &&
            bytes == token) {
            found = start;
            break;
        }
    }
    ::close(fd);
    return found;
}

struct Speculation {
    std::unique_ptr<ParseOutput> output = std::make_unique<ParseOutput>();
    enum class End { Failed, AtCandidate, AtSectionEnd } end = End::Failed;
    std::size_t nextCandidate = 0;
    std::uint64_t sectionEnd = 0;
};

void runSpeculation(const std::string& path, const std::vector<std::uint64_t>& candidates,
                    std::size_t index, std::size_t bufferBytes, Speculation* spec) {
    try {
        JsonByteSource source(path, candidates[index], bufferBytes);
        source.inject("[");
        CocoSaxHandler handler(&source, spec->output.get());
        handler.beginInsideAnnotations();
        bool atCandidate = false;
        handler.setCandidates(&candidates, index + 1, [&](std::size_t k) {
            atCandidate = true;
            spec->nextCandidate = k;
            return false;
        });
        json::sax_parse(source.begin(), source.end(), &handler, json::input_format_t::json, false);
        if (atCandidate) {
            spec->end = Speculation::End::AtCandidate;
        } else if (handler.end().kind == ParseEnd::Kind::Stopped) {
            spec->end = Speculation::End::AtSectionEnd;
            spec->sectionEnd = handler.sectionEndOffset();
        }
    } catch (...) {
        spec->end = Speculation::End::Failed;
    }
    if (spec->end == Speculation::End::Failed)
        spec->output.reset();
}

std::vector<std::uint64_t> chooseCandidates(const std::string& path, std::uint64_t size,
                                            int parts) {
    std::vector<std::uint64_t> out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return out;
    for (int i = 1; i < parts; ++i) {
        const std::uint64_t at = findBoundary(
            fd, size / static_cast<std::uint64_t>(parts) * static_cast<std::uint64_t>(i), size);
        if (at != 0 && (out.empty() || at > out.back()))
            out.push_back(at);
    }
    ::close(fd);
    return out;
}

/// The speculative parts, claimed in order by the pool threads and by thread 0 while it waits for
/// one.
class SpeculationPool {
  public:
    SpeculationPool(const std::string& path, const std::vector<std::uint64_t>& candidates,
                    std::size_t bufferBytes)
        : m_path(path),
          m_candidates(candidates),
          m_bufferBytes(bufferBytes),
          m_specs(candidates.size()),
          m_done(candidates.size(), 0) {}

    /// Runs the next unclaimed part; false when none is left (or the pool was stopped).
    bool runOne() {
        if (m_stop)
            return false;
        const std::size_t i = m_next++;
        if (i >= m_specs.size())
            return false;
        runSpeculation(m_path, m_candidates, i, m_bufferBytes, &m_specs[i]);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done[i] = 1;
        }
        m_cv.notify_all();
        return true;
    }
    /// Part i's result, helping with unclaimed parts while another thread finishes it.
    Speculation& await(std::size_t i) {
        while (true) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (m_done[i])
                    return m_specs[i];
            }
            if (!runOne())
                break;
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait(lock, [&] { return m_done[i] != 0; });
        return m_specs[i];
    }
    void stop() { m_stop = true; }

  private:
    const std::string& m_path;
    const std::vector<std::uint64_t>& m_candidates;
    std::size_t m_bufferBytes;
    std::vector<Speculation> m_specs;
    std::vector<std::uint8_t> m_done;
    std::atomic<std::size_t> m_next{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

}  // namespace

ParseResult parseCocoFile(const std::string& path, const ParseOptions& options) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
    if (S_ISDIR(st.st_mode))
        throw std::runtime_error(path + ": is a folder, not a JSON file");
    const auto size = static_cast<std::uint64_t>(st.st_size);

    int threads = options.threads > 0 ? options.threads
                                      : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::max(threads, 1);
    std::string fastSkipped;
    if (options.fastPath && fastCocoParserAvailable()) {
        ParseResult fast;
        FastParseOptions fo;
        fo.threads = threads;
        fo.batchBytes = std::max<std::size_t>(options.fastBatchBytes, 1);
        FastParseStats stats;
        if (parseCocoFileFast(path, fo, &fast, &stats)) {
            fast.fastPath = true;
            return fast;
        }
        fastSkipped = stats.gaveUp;
        logger().debug("{}: fast JSON path not used ({}); parsing with nlohmann-json", path,
                       fastSkipped);
    }
    // More parts than threads, so a thread slowed down by other work on the machine delays little.
    const std::uint64_t perPart = std::max<std::uint64_t>(options.minBytesPerPart, 1);
    const int parts = threads == 1 ? 1
                                   : static_cast<int>(std::max<std::uint64_t>(
                                         1, std::min<std::uint64_t>(4 * threads, size / perPart)));
    const std::vector<std::uint64_t> candidates =
        parts > 1 ? chooseCandidates(path, size, parts) : std::vector<std::uint64_t>{};

    ParseResult result;
    result.fastPathSkipped = fastSkipped;
    result.threadsUsed = candidates.empty() ? 1 : threads;
    SpeculationPool pool(path, candidates, options.bufferBytes);
    std::vector<std::thread> helpers;
    struct Joiner {
        SpeculationPool& pool;
        std::vector<std::thread>& threads;
        ~Joiner() {
            pool.stop();
            for (auto& t : threads)
                t.join();
        }
    } joiner{pool, helpers};
    if (!candidates.empty())
        for (int t = 1; t < threads; ++t)
            helpers.emplace_back([&pool] {
                while (pool.runOne()) {
                }
            });

    // Thread 0: the whole document, jumping over proven speculative parts.
    JsonByteSource source(path, 0, options.bufferBytes);
    std::vector<std::unique_ptr<ParseOutput>> segments;
    segments.push_back(std::make_unique<ParseOutput>());
    CocoSaxHandler handler(&source, segments.back().get());
    handler.setCandidates(&candidates, 0, [&](std::size_t k) {
        std::vector<std::size_t> chain;
        std::size_t j = k;
        bool toSectionEnd = false;
        while (true) {
            const Speculation& spec = pool.await(j);
            if (spec.end == Speculation::End::Failed)
                break;
            chain.push_back(j);
            if (spec.end == Speculation::End::AtSectionEnd) {
                toSectionEnd = true;
                break;
            }
            j = spec.nextCandidate;
        }
        if (chain.empty())
            return true;  // the guess at k failed: read on from here ourselves
        handler.abandonCurrentElement();
        if (toSectionEnd) {
            source.inject("}");
            source.seek(pool.await(chain.back()).sectionEnd);
            handler.setNextCandidate(candidates.size());
        } else {
            source.inject("},");  // close the abandoned element; element j follows the comma
            source.seek(candidates[j]);
            handler.setNextCandidate(j + 1);
        }
        for (std::size_t c : chain)
            segments.push_back(std::move(pool.await(c).output));
        result.partsAdopted += static_cast<int>(chain.size());
        segments.push_back(std::make_unique<ParseOutput>());
        handler.switchOutput(segments.back().get());
        return true;
    });
    const bool ok =
        json::sax_parse(source.begin(), source.end(), &handler, json::input_format_t::json, true);

    result.end = handler.end();
    if (ok)
        result.end.kind = ParseEnd::Kind::Complete;
    for (int s = 0; s < kSectionCount; ++s)
        result.sawSection[s] = handler.sawSection(static_cast<Section>(s));
    if (result.end.kind == ParseEnd::Kind::SyntaxError ||
        result.end.kind == ParseEnd::Kind::ReadError) {
        result.end.offset = tokenStart(path, result.end.offset, result.end.lastToken);
        const TextPosition pos = textPositionOf(path, result.end.offset);
        result.line = pos.line;
        result.column = pos.column;
    }
    result.output = std::move(*segments.front());
    for (std::size_t i = 1; i < segments.size(); ++i)
        if (segments[i])
            appendParseOutput(result.output, std::move(*segments[i]));
    return result;
}

}  // namespace studio::coco_detail
