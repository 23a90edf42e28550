#include "train/engine/run_control.h"

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/log/log.h"

namespace studio::train {

namespace {
// Signal handlers may only touch lock-free atomics.
std::atomic<int> g_signal{0};
std::atomic<int> g_signalCount{0};
struct sigaction g_oldInt, g_oldTerm;

void onSignal(int sig) {
    g_signal.store(sig);
    if (g_signalCount.fetch_add(1) >= 1) {
        // Second request while stopping: give up on the graceful path.
        ::signal(sig, SIG_DFL);
        ::raise(sig);
    }
}
}  // namespace

std::optional<ControlCommand> parseControlCommand(std::string_view line, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<ControlCommand> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (error) error->clear();
    if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::nullopt;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("cmd") || !j["cmd"].is_string())
        return fail("not a command (expected {\"cmd\":\"stop\"} or {\"cmd\":\"checkpoint\"})");
    const std::string cmd = j["cmd"].get<std::string>();
    if (cmd == "stop") return ControlCommand::Stop;
    if (cmd == "checkpoint") return ControlCommand::Checkpoint;
    return fail("unknown command \"" + cmd + "\" (known: stop, checkpoint)");
}

RunControl::RunControl(bool handleSignals, int inputFd) : m_handleSignals(handleSignals) {
    if (m_handleSignals) {
        g_signal = 0;
        g_signalCount = 0;
        struct sigaction sa {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &g_oldInt);
        ::sigaction(SIGTERM, &sa, &g_oldTerm);
    }
    if (inputFd >= 0) m_reader = std::thread([this, inputFd] { readLoop(inputFd); });
}

RunControl::~RunControl() {
    m_quit = true;
    if (m_reader.joinable()) m_reader.join();
    if (m_handleSignals) {
        ::sigaction(SIGINT, &g_oldInt, nullptr);
        ::sigaction(SIGTERM, &g_oldTerm, nullptr);
    }
}

bool RunControl::stopRequested() const { return m_stop.load() || (m_handleSignals && g_signal.load() != 0); }

int RunControl::stopSignal() const { return m_handleSignals ? g_signal.load() : 0; }

bool RunControl::takeCheckpointRequest() { return m_checkpoint.exchange(false); }

void RunControl::readLoop(int fd) {
    std::string pending;
    char buf[4096];
    while (!m_quit) {
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, 100);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // EOF: the GUI went away; the run goes on
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t eol;
        while ((eol = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            std::string error;
            const auto cmd = parseControlCommand(line, &error);
            if (cmd == ControlCommand::Stop) {
                logger().info("stop requested on stdin: finishing the step, then writing a checkpoint");
                m_stop = true;
            } else if (cmd == ControlCommand::Checkpoint) {
                logger().info("checkpoint requested on stdin");
                m_checkpoint = true;
            } else if (!error.empty()) {
                logger().warn("ignored stdin line: {}", error);
            }
        }
        if (pending.size() > (1 << 16)) pending.clear();  // no newline in sight: not a command stream
    }
}

}  // namespace studio::train
