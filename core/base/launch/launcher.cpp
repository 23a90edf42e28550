#include "base/launch/launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "base/events/events.h"

extern char** environ;

namespace studio {

namespace {

using Clock = std::chrono::steady_clock;

int g_signalPipe[2] = {-1, -1};

void onSignal(int sig) {
    const int saved = errno;
    const unsigned char b = static_cast<unsigned char>(sig);
    (void)!::write(g_signalPipe[1], &b, 1);
    errno = saved;
}

struct Worker {
    int rank = 0;
    pid_t pid = -1;
    int outFd = -1, errFd = -1, inFd = -1;
    std::string outBuf, errBuf;
    std::deque<std::string> tail;
    bool running = false;
    int status = 0;  // exit code or 128 + signal
};

void closeFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

std::string describeStatus(int status) {
    if (status > 128) {
        const int sig = status - 128;
        return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "exited with status " + std::to_string(status);
}

// RAII: signal handlers and the self-pipe for the duration of runLauncher.
struct SignalScope {
    struct sigaction oldInt {}, oldTerm {}, oldChld {}, oldPipe {};
    SignalScope() {
        if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
        struct sigaction sa {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &sa, &oldInt);
        ::sigaction(SIGTERM, &sa, &oldTerm);
        ::sigaction(SIGCHLD, &sa, &oldChld);
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &oldPipe);  // a dead worker's stdin must not kill us
    }
    ~SignalScope() {
        ::sigaction(SIGINT, &oldInt, nullptr);
        ::sigaction(SIGTERM, &oldTerm, nullptr);
        ::sigaction(SIGCHLD, &oldChld, nullptr);
        ::sigaction(SIGPIPE, &oldPipe, nullptr);
        closeFd(g_signalPipe[0]);
        closeFd(g_signalPipe[1]);
    }
};

Worker spawn(const LaunchSpec& spec, int localRank, const RankContext& node) {
    Worker w;
    w.rank = node.nodeRank * spec.nprocs + localRank;
    int out[2], err[2], in[2];
    if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) || ::pipe2(in, O_CLOEXEC))
        throw std::runtime_error(std::string("cannot create pipes for a worker: ") + std::strerror(errno));

    EnvMap env = environmentSnapshot();
    for (const auto& [k, v] : workerEnvironment(node, localRank, spec.nprocs)) env[k] = v;
    for (const auto& [k, v] : spec.extraEnv) env[k] = v;
    if (localRank < static_cast<int>(spec.visibleDevices.size()) && !spec.visibleDevices[localRank].empty())
        env["CUDA_VISIBLE_DEVICES"] = spec.visibleDevices[localRank];
    std::vector<std::string> envStrings;
    for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
    std::vector<char*> envp, argv;
    for (auto& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = spec.args;
    std::string prog = spec.program;
    argv.push_back(prog.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        // Child: die with the launcher, own process group (no double Ctrl-C), pipes on 0/1/2.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        ::setpgid(0, 0);
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE}) ::sigaction(s, &dfl, nullptr);
        ::execve(prog.c_str(), argv.data(), envp.data());
        std::fprintf(stderr, "cannot start %s: %s\n", prog.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    ::close(in[0]);
    w.pid = pid;
    w.outFd = out[0];
    w.errFd = err[0];
    w.inFd = in[1];
    ::fcntl(w.inFd, F_SETFL, O_NONBLOCK);
    w.running = true;
    return w;
}

// Splits complete lines out of `buf` after appending `data`.
template <typename F>
void takeLines(std::string& buf, const char* data, size_t n, F&& onLine) {
    buf.append(data, n);
    size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
        onLine(buf.substr(start, nl - start));
        start = nl + 1;
    }
    buf.erase(0, start);
}

}  // namespace

int findFreePort(const std::string& host) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        socklen_t len = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

LaunchResult runLauncher(const LaunchSpec& spec, std::function<void(const std::string&)> out,
                         std::function<void(const std::string&)> err) {
    if (!out) out = [](const std::string& l) { std::fprintf(stdout, "%s\n", l.c_str()); std::fflush(stdout); };
    if (!err) err = [](const std::string& l) { std::fprintf(stderr, "%s\n", l.c_str()); std::fflush(stderr); };
    LaunchResult result;
    SignalScope signals;

    RankContext node = spec.node;
    if (node.masterPort <= 0) node.masterPort = findFreePort(node.masterAddr);
    if (node.masterPort <= 0) throw std::runtime_error("no free TCP port for the rendezvous on " + node.masterAddr);

    std::vector<Worker> workers;
    for (int i = 0; i < spec.nprocs; ++i) workers.push_back(spawn(spec, i, node));

    bool stdinOpen = true;
    std::string stdinBuf;
    bool interrupted = false, stopping = false;
    Clock::time_point killAt{};
    auto live = [&] {
        int n = 0;
        for (const auto& w : workers) n += (w.running || w.outFd >= 0 || w.errFd >= 0) ? 1 : 0;
        return n;
    };
    // Each worker leads its own process group: signal the group, so helpers it started go too.
    auto signalAll = [&](int sig) {
        for (auto& w : workers) {
            if (w.running) ::kill(-w.pid, sig);
        }
    };
    auto failFast = [&](const Worker& w) {
        if (stopping) return;
        stopping = true;
        result.failedRank = w.rank;
        result.failedStatus = w.status;
        std::string tail;
        for (const auto& l : w.tail) tail += "\n    " + l;
        result.message = "rank " + std::to_string(w.rank) + " " + describeStatus(w.status) +
                         "; stopping the other workers" + (tail.empty() ? "" : ". Last lines of its log:" + tail);
        err("rfdetr-train launcher: " + result.message);
        ErrorEvent e;
        e.rank = w.rank;
        e.message = "rank " + std::to_string(w.rank) + " " + describeStatus(w.status);
        e.hint = tail.empty() ? "see logs/rank" + std::to_string(w.rank) + ".log in the run folder"
                              : "last lines of its log:" + tail;
        e.code = "worker_failed";
        out(encodeEvent(e));
        signalAll(SIGTERM);
        killAt = Clock::now() + std::chrono::milliseconds(static_cast<long>(spec.gracePeriodS * 1000));
    };

    while (live() > 0) {
        std::vector<pollfd> fds;
        std::vector<std::pair<int, int>> owner;  // (worker index, 0 = out / 1 = err / -1 signal / -2 stdin)
        fds.push_back({g_signalPipe[0], POLLIN, 0});
        owner.push_back({-1, -1});
        if (stdinOpen) {
            fds.push_back({0, POLLIN, 0});
            owner.push_back({-2, -2});
        }
        for (size_t i = 0; i < workers.size(); ++i) {
            if (workers[i].outFd >= 0) {
                fds.push_back({workers[i].outFd, POLLIN, 0});
                owner.push_back({int(i), 0});
            }
            if (workers[i].errFd >= 0) {
                fds.push_back({workers[i].errFd, POLLIN, 0});
                owner.push_back({int(i), 1});
            }
        }
        int timeoutMs = 200;
        const int rc = ::poll(fds.data(), fds.size(), timeoutMs);
        if (rc < 0 && errno != EINTR) break;

        for (size_t k = 0; rc > 0 && k < fds.size(); ++k) {
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const auto [wi, stream] = owner[k];
            char buf[65536];
            if (wi == -1) {
                unsigned char sigs[64];
                const ssize_t n = ::read(g_signalPipe[0], sigs, sizeof sigs);
                for (ssize_t s = 0; s < n; ++s) {
                    if (sigs[s] == SIGINT || sigs[s] == SIGTERM) {
                        if (interrupted) {
                            err("rfdetr-train launcher: second interrupt, killing the workers");
                            signalAll(SIGKILL);
                        } else {
                            interrupted = true;
                            err("rfdetr-train launcher: interrupted, asking the workers to checkpoint and stop");
                            signalAll(sigs[s]);
                        }
                    }
                }
                continue;
            }
            if (wi == -2) {
                const ssize_t n = ::read(0, buf, sizeof buf);
                if (n <= 0) {
                    stdinOpen = false;
                    continue;
                }
                // Commands go to every worker so that all ranks act on the same step.
                takeLines(stdinBuf, buf, size_t(n), [&](const std::string& line) {
                    for (auto& w : workers) {
                        if (w.inFd < 0) continue;
                        const std::string l = line + "\n";
                        if (::write(w.inFd, l.data(), l.size()) < 0) closeFd(w.inFd);
                    }
                });
                continue;
            }
            Worker& w = workers[size_t(wi)];
            int& fd = stream == 0 ? w.outFd : w.errFd;
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) {
                std::string& rest = stream == 0 ? w.outBuf : w.errBuf;
                if (!rest.empty()) takeLines(rest, "\n", 1, [&](const std::string& l) {
                    if (stream == 1) err(w.rank == 0 ? l : "[rank " + std::to_string(w.rank) + "] " + l);
                    else if (w.rank == 0) out(l);
                });
                closeFd(fd);
                continue;
            }
            if (stream == 0) {
                takeLines(w.outBuf, buf, size_t(n), [&](const std::string& line) {
                    if (w.rank == 0) {
                        out(line);  // rank 0's events are the run's events
                        return;
                    }
                    // Every rank's errors, and its step timing and GPU load for the health view.
                    const ParsedEvent p = parseEventLine(line);
                    if (p.event && (std::holds_alternative<ErrorEvent>(*p.event) ||
                                    std::holds_alternative<StepEvent>(*p.event) ||
                                    std::holds_alternative<GpuEvent>(*p.event)))
                        out(line);
                });
            } else {
                takeLines(w.errBuf, buf, size_t(n), [&](const std::string& line) {
                    w.tail.push_back(line);
                    if (static_cast<int>(w.tail.size()) > spec.tailLines) w.tail.pop_front();
                    err(w.rank == 0 ? line : "[rank " + std::to_string(w.rank) + "] " + line);
                });
            }
        }

        // Reap exited workers.
        for (auto& w : workers) {
            if (!w.running) continue;
            int st = 0;
            const pid_t r = ::waitpid(w.pid, &st, WNOHANG);
            if (r != w.pid) continue;
            w.running = false;
            closeFd(w.inFd);
            w.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (w.status != 0 && !interrupted) failFast(w);
        }
        if (stopping && killAt != Clock::time_point{} && Clock::now() >= killAt) {
            signalAll(SIGKILL);
            // Exited workers whose pipes are still held open (by something they started) are done too.
            for (auto& w : workers) {
                if (w.running) continue;
                ::kill(-w.pid, SIGKILL);
                closeFd(w.outFd);
                closeFd(w.errFd);
            }
            killAt = Clock::now() + std::chrono::seconds(1);
        }
    }
    for (auto& w : workers) {
        if (w.running) {
            int st = 0;
            ::waitpid(w.pid, &st, 0);
            w.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        closeFd(w.inFd);
    }
    if (result.failedRank >= 0) {
        result.exitCode = 1;
    } else {
        for (const auto& w : workers) {
            if (w.status != 0) {
                result.exitCode = interrupted ? 130 : 1;
                result.failedRank = w.rank;
                result.failedStatus = w.status;
                result.message = "rank " + std::to_string(w.rank) + " " + describeStatus(w.status);
                break;
            }
        }
    }
    return result;
}

}  // namespace studio
