#pragma once
// A benchmark's command line, option by option: `while (args.next()) { if (args.is("--batch")) o.batch =
// args.number(); ... }`. A missing or malformed value prints "PROGRAM: what is wrong" on stderr and exits 2
// (a benchmark has nothing to keep); each benchmark keeps its own options and usage text.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/config/model_sizes.h"

namespace bench {

class Args {
public:
    /// Over argv[1..argc); `program` ("bench_step") prefixes the error messages. Caller's thread.
    Args(const char* program, int argc, char** argv) : m_program(program), m_argc(argc), m_argv(argv) {}

    /// Moves to the next argument; false after the last.
    bool next() {
        if (++m_index >= m_argc) return false;
        m_name = m_argv[m_index];
        return true;
    }
    /// The current argument ("--batch").
    const std::string& name() const { return m_name; }
    /// Whether the current argument is `option`.
    bool is(const char* option) const { return m_name == option; }

    /// The argument after the current one, taken as its value; exits 2 when there is none.
    std::string value() {
        if (m_index + 1 >= m_argc) fail(m_name + " needs a value");
        return m_argv[++m_index];
    }
    /// value() as a whole number (int); exits 2 when it is not one.
    int number() { return static_cast<int>(wholeNumber(-2147483648LL, 2147483647LL)); }
    /// value() as a count (0 or more, 64 bits); exits 2 when it is not one.
    unsigned long long count() { return static_cast<unsigned long long>(wholeNumber(0, 9223372036854775807LL)); }
    /// value() as a comma-separated list of model sizes ("small,medium"); exits 2 naming an unknown one.
    std::vector<studio::ModelSize> sizes() {
        const std::string list = value();
        std::vector<studio::ModelSize> out;
        for (std::size_t p = 0; p <= list.size();) {
            const std::size_t comma = std::min(list.find(',', p), list.size());
            const auto s = studio::parseModelSize(list.substr(p, comma - p));
            if (!s) fail("unknown size in " + m_name + " " + list + " (" + studio::modelSizeChoices() + ")");
            out.push_back(*s);
            p = comma + 1;
        }
        return out;
    }

    /// Prints "PROGRAM: message" on stderr and exits 2.
    [[noreturn]] void fail(const std::string& message) const {
        std::fprintf(stderr, "%s: %s\n", m_program, message.c_str());
        std::exit(2);
    }

private:
    long long wholeNumber(long long lo, long long hi) {
        const std::string v = value();
        char* end = nullptr;
        errno = 0;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || errno == ERANGE || n < lo || n > hi)
            fail(m_name + " wants a whole number" + (lo == 0 ? " >= 0" : "") + ", got " + v);
        return n;
    }

    const char* m_program;
    int m_argc;
    char** m_argv;
    int m_index = 0;
    std::string m_name;
};

}  // namespace bench
