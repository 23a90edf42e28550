#pragma once
// Helpers for the benchmarks: run a function or a command in a child process and report its wall
// time and peak resident memory (wait4's ru_maxrss), so each measurement has its own memory peak.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace bench {

/// The folder a benchmark writes its generated files to, created here: `keep` when given (left in place),
/// else <temp>/<name>.<pid>, removed with this object. Caller's thread (a forked child leaves it alone).
class ScratchDir {
public:
    ScratchDir(const std::string& name, const std::string& keep)
        : m_keep(!keep.empty()),
          m_path(m_keep ? std::filesystem::path(keep)
                        : std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))) {
        std::filesystem::create_directories(m_path);
    }
    ~ScratchDir() {
        std::error_code ec;
        if (!m_keep) std::filesystem::remove_all(m_path, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    /// The folder.
    const std::filesystem::path& path() const { return m_path; }

private:
    bool m_keep;
    std::filesystem::path m_path;
};

struct ChildResult {
    bool ok = false;
    double seconds = 0;
    double peakMiB = 0;
    double cpuSeconds = 0;  // user + system time of the child (less sensitive to a busy machine)
    std::string output;     // what the child printed on stdout
};

/// Runs `fn` in a forked child; the text it returns (and, with `captureStdout`, what it prints)
/// comes back.
inline ChildResult runInChild(const std::function<std::string()>& fn, bool captureStdout = false) {
    ChildResult r;
    int fds[2];
    if (::pipe(fds) != 0)
        return r;
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        if (captureStdout)
            ::dup2(fds[1], STDOUT_FILENO);
        std::string text;
        int code = 0;
        try {
            text = fn();
        } catch (const std::exception& e) {
            text = std::string("error: ") + e.what();
            code = 1;
        }
        (void)!::write(fds[1], text.data(), text.size());
        ::_exit(code);
    }
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        r.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    struct rusage ru {};
    ::wait4(pid, &status, 0, &ru);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.peakMiB = static_cast<double>(ru.ru_maxrss) / 1024.0;
    r.cpuSeconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                   static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return r;
}

/// Runs a shell command in a child and measures it the same way.
inline ChildResult runCommand(const std::string& command) {
    return runInChild(
        [&]() -> std::string {
            ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        },
        true);
}

/// CPU seconds (user + system, all threads) used by this process so far.
inline double processCpuSeconds() {
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// The 1-minute load average (other work on the machine skews wall times).
inline double loadAverage() {
    std::ifstream f("/proc/loadavg");
    double l = 0;
    f >> l;
    return l;
}

inline bool haveCommand(const std::string& name) {
    return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace bench
