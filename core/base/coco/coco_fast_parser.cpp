// The fast COCO path: a small walker over the top-level object and simdjson DOM parses of batches
// of array elements, cut speculatively and checked in file order.
//
// Why a cut that parses is a true element boundary. A batch starts at byte `start`, the "{" of an
// element of a section array (proven: the first element follows the "[" the walker read, every
// later start follows a batch proven below). It is cut after a "}" at byte c that is followed by
// optional whitespace and "," + optional whitespace + "{" (or "]"), and parsed as
// "[" + bytes[start..c] + "]". Whether a byte is inside a string depends only on the quotes and
// backslashes since a position known to be outside strings; `start` is such a position in the file
// and in the batch, so the batch tokenizes bytes[start..c] exactly as the file does, and its
// bracket depth is the file's minus that of the section array. The batch parses only if that depth
// comes back to zero exactly at c and never drops below it, outside a string: then c closes an
// element of the section array, the batch holds exactly the elements between start and c, and the
// bytes after c (checked: whitespace, "," and the next element's "{", or the array's "]") continue
// the array. A cut inside a string (a file name with "},{") leaves the batch with an unterminated
// string; a cut inside a nested value (an unknown key holding [{...},{...}]) leaves it unbalanced;
// either way it fails to parse, and another cut is tried. Batches are parsed ahead of being proven
// (several threads), but one is only used once every batch before it parsed; after a failure, all
// later ones are dropped and the batch is cut again. Every byte of the file is validated once: by
// the walker (punctuation between top-level members, keys), by one successful batch, or by the
// parse of a skipped top-level value (or a batch of a skipped array), so the fast path accepts no
// file that nlohmann rejects: simdjson is at least as strict (UTF-8, control characters, escapes and
// surrogates, number syntax and range; tst_coco_fast_path checks each). Where it is stricter (an
// integer beyond 64 bits) it gives up and nlohmann reads the file.
#include "base/coco/coco_fast_parser.h"

#if STUDIO_HAVE_SIMDJSON

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "base/coco/coco_fast_records.h"
#include "base/coco/coco_fast_walk.h"

namespace studio::coco_detail {

namespace {

constexpr int kMaxCutRetries = 40;  // failed cuts at one batch start before giving up
constexpr std::size_t kMinWindow = std::size_t(64) << 10;

/// How a batch is cut: Normal = the last candidate within the window from the start; SectionEnd =
/// the first candidate followed by "]" before byte `at` (a failed cut); Before = the last candidate
/// before byte `at`; After = the first candidate after byte `at`.
struct CutPlan {
    enum class Kind { Normal, SectionEnd, Before, After } kind = Kind::Normal;
    std::uint64_t at = 0;
};

struct Batch {
    Section section = Section::None;
    CutPlan::Kind plan = CutPlan::Kind::Normal;
    std::uint64_t start = 0, close = 0, next = 0;  // file offsets: first "{", last "}", "{" or "]"
    bool endsSection = false;
    std::unique_ptr<char[]> text;  // "[" + bytes + "]" + padding
    std::size_t length = 0;
    enum class Status { Pending, Ok, CutFailed, NotPlain, Error, Dropped } status = Status::Pending;
    std::atomic<bool> dropped{false};  // set when an earlier batch failed: skip it
    ParseOutput out;
};

/// Worker threads parsing batches (one DOM parser each, reused).
class BatchWorkers {
  public:
    explicit BatchWorkers(int threads) {
        for (int i = 0; i < threads; ++i)
            m_threads.emplace_back([this] { run(); });
    }
    ~BatchWorkers() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_todo.notify_all();
        for (auto& t : m_threads)
            t.join();
    }
    void submit(std::shared_ptr<Batch> b) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_queue.push_back(std::move(b));
        }
        m_todo.notify_one();
    }
    void wait(const Batch& b) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_finished.wait(lock, [&] { return b.status != Batch::Status::Pending; });
    }

  private:
    void run() {
        simdjson::dom::parser parser;
        while (true) {
            std::shared_ptr<Batch> b;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_todo.wait(lock, [&] { return m_stop || !m_queue.empty(); });
                if (m_stop)
                    return;
                b = std::move(m_queue.front());
                m_queue.pop_front();
            }
            const Batch::Status status = parse(parser, *b);
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                b->status = status;
            }
            m_finished.notify_all();
        }
    }
    static Batch::Status parse(simdjson::dom::parser& parser, Batch& b) {
        if (b.dropped)
            return Batch::Status::Dropped;
        try {
            simdjson::dom::array elements;
            const auto error = parser.parse(b.text.get(), b.length, false).get_array().get(elements);
            if (error)
                return Batch::Status::CutFailed;
            const bool plain = appendPlainRecords(b.section, elements, &b.out);
            b.text.reset();
            return plain ? Batch::Status::Ok : Batch::Status::NotPlain;
        } catch (...) {
            return Batch::Status::Error;
        }
    }

    std::vector<std::thread> m_threads;
    std::deque<std::shared_ptr<Batch>> m_queue;
    std::mutex m_mutex;
    std::condition_variable m_todo, m_finished;
    bool m_stop = false;
};

class SectionReader {
  public:
    SectionReader(const JsonFile& file, const FastParseOptions& options, BatchWorkers& workers, FastParseStats& stats,
                  ParseOutput& out)
        : m_file(file), m_options(options), m_workers(workers), m_stats(stats), m_out(out) {}

    /// Reads the elements of section `s` from `first` (an element's "{"); sets `*after` to the
    /// byte after the array's "]". False: give up (reason in stats.gaveUp).
    bool read(Section s, std::uint64_t first, std::uint64_t* after) {
        const std::size_t inFlightMax = m_threads + 1;
        resetWindow();
        std::deque<std::shared_ptr<Batch>> inFlight;
        std::uint64_t next = first;
        bool cutEnd = false;
        CutPlan plan;
        int retries = 0;
        std::uint64_t failedClose = 0;  // the last failed Normal or Before cut
        while (true) {
            while (!cutEnd && inFlight.size() < inFlightMax) {
                auto b = cut(s, next, plan);
                if (!b)
                    return drop(inFlight);
                next = b->next;
                cutEnd = b->endsSection;
                plan = CutPlan{};
                m_workers.submit(b);
                inFlight.push_back(std::move(b));
            }
            std::shared_ptr<Batch> b = std::move(inFlight.front());
            inFlight.pop_front();
            m_workers.wait(*b);
            if (b->status == Batch::Status::Ok) {
                ++m_stats.batches;
                retries = 0;
                m_window = static_cast<std::size_t>(std::min<std::uint64_t>(
                    m_options.batchBytes, 2 * std::max<std::uint64_t>(minWindow(), b->close - b->start + 1)));
                appendParseOutput(m_out, std::move(b->out));
                if (b->endsSection) {
                    *after = b->next + 1;
                    return true;
                }
                continue;
            }
            drop(inFlight);
            if (b->status != Batch::Status::CutFailed)
                return giveUp(b->status == Batch::Status::NotPlain
                                  ? std::string("a record is not in the plain expected shape")
                                  : std::string("out of memory"));
            ++m_stats.failedCuts;
            if (++retries > kMaxCutRetries)
                return giveUp("no cut of the \"" + std::string(sectionKey(s)) + "\" array at byte " +
                              std::to_string(b->start) + " parses (a syntax error?)");
            // First look for the section's end in the failed batch (the usual failure: the window
            // reached into the next section; in a plain file "}" + "]" only ends sections). Else
            // halve the batch (the last candidate before its middle), which steps over candidates
            // inside strings or nested values. Once no candidate is left before the middle, try
            // the candidates after the start one by one.
            if (b->plan == CutPlan::Kind::After) {
                plan = CutPlan{CutPlan::Kind::After, b->close};
            } else if (b->plan == CutPlan::Kind::Normal) {
                failedClose = b->close;
                plan = CutPlan{CutPlan::Kind::SectionEnd, b->close};
            } else {
                if (b->plan == CutPlan::Kind::Before)
                    failedClose = b->close;
                plan = CutPlan{CutPlan::Kind::Before, b->start + (failedClose - b->start) / 2};
            }
            m_window = std::max<std::size_t>(minWindow(), (b->close - b->start) / 2);
            next = b->start;
            cutEnd = false;
        }
    }

    void setThreads(int threads) { m_threads = static_cast<std::size_t>(threads); }
    void resetWindow() { m_window = m_options.batchBytes; }
    std::size_t minWindow() const { return std::min(kMinWindow, m_options.batchBytes); }

  private:
    bool giveUp(std::string why) {
        m_stats.gaveUp = std::move(why);
        return false;
    }
    bool drop(std::deque<std::shared_ptr<Batch>>& inFlight) {
        for (auto& b : inFlight)
            b->dropped = true;
        for (auto& b : inFlight)
            m_workers.wait(*b);
        inFlight.clear();
        return false;
    }

    /// Reads bytes from `start` and cuts a batch by `plan`; null when no cut can be found.
    std::shared_ptr<Batch> cut(Section s, std::uint64_t start, const CutPlan& plan) {
        std::size_t window = plan.kind == CutPlan::Kind::Normal  ? m_window
                             : plan.kind != CutPlan::Kind::After ? static_cast<std::size_t>(plan.at - start)
                                                                 : std::size_t(64) << 10;
        std::optional<ElementCut> found;
        std::unique_ptr<char[]> text;
        while (true) {
            window = static_cast<std::size_t>(std::min<std::uint64_t>(window, m_file.size() - start));
            text.reset(new char[window + 2 + simdjson::SIMDJSON_PADDING]);
            text[0] = '[';
            if (!m_file.read(start, text.get() + 1, window)) {
                giveUp("cannot read the file");
                return nullptr;
            }
            const char* bytes = text.get() + 1;
            if (plan.kind == CutPlan::Kind::After)
                found = firstCut(bytes, window, static_cast<std::size_t>(plan.at - start) + 1);
            else if (plan.kind == CutPlan::Kind::SectionEnd)
                found = firstSectionEnd(bytes, window);
            else
                found = lastCut(bytes, window);
            // Grow the window for an element larger than it (never past a failed cut).
            if (found || plan.kind == CutPlan::Kind::Before || plan.kind == CutPlan::Kind::SectionEnd ||
                start + window >= m_file.size() || window >= m_options.maxElementBytes)
                break;
            window *= 2;
        }
        if (!found && plan.kind == CutPlan::Kind::SectionEnd)
            return cut(s, start, CutPlan{CutPlan::Kind::Before, start + (plan.at - start) / 2});
        if (!found && plan.kind == CutPlan::Kind::Before)
            return cut(s, start, CutPlan{CutPlan::Kind::After, start});
        if (!found) {
            giveUp("no end found for an element of \"" + std::string(sectionKey(s)) + "\" at byte " +
                   std::to_string(start));
            return nullptr;
        }
        auto b = std::make_shared<Batch>();
        b->section = s;
        b->plan = plan.kind;
        b->start = start;
        b->close = start + found->close;
        b->next = start + found->next;
        b->endsSection = found->endsSection;
        b->length = found->close + 3;
        text[b->length - 1] = ']';
        std::memset(text.get() + b->length, 0, simdjson::SIMDJSON_PADDING);
        b->text = std::move(text);
        return b;
    }

    const JsonFile& m_file;
    const FastParseOptions& m_options;
    BatchWorkers& m_workers;
    FastParseStats& m_stats;
    ParseOutput& m_out;
    std::size_t m_threads = 1;
    std::size_t m_window = 0;  // Normal batches' window: batchBytes, smaller after failed cuts
};

}  // namespace

bool fastCocoParserAvailable() {
    return true;
}

bool parseCocoFileFast(const std::string& path, const FastParseOptions& options, ParseResult* result,
                       FastParseStats* stats) {
    JsonFile file(path);
    if (!file.ok()) {
        stats->gaveUp = "cannot open the file";
        return false;
    }
    const int threads = std::max(options.threads, 1);
    BatchWorkers workers(threads);
    SectionReader sections(file, options, workers, *stats, result->output);
    sections.setThreads(threads);
    TopLevelWalker walker(file, options.maxElementBytes, stats);
    if (!walker.walk(
            [&](Section s, std::uint64_t first, std::uint64_t* after) { return sections.read(s, first, after); }))
        return false;
    for (int s = 0; s < kSectionCount; ++s)
        result->sawSection[s] = walker.sawSection(static_cast<Section>(s));
    result->end = ParseEnd{};
    result->threadsUsed = threads;
    return true;
}

}  // namespace studio::coco_detail

#else  // no simdjson: the nlohmann path does everything

namespace studio::coco_detail {

bool fastCocoParserAvailable() {
    return false;
}

bool parseCocoFileFast(const std::string&, const FastParseOptions&, ParseResult*, FastParseStats* stats) {
    stats->gaveUp = "built without simdjson";
    return false;
}

}  // namespace studio::coco_detail

#endif
