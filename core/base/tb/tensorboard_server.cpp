#include "base/tb/tensorboard_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

namespace studio {

namespace {

bool canBind(const std::string& host, int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as servers do: TIME_WAIT is no obstacle
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

int systemPickedPort(const std::string& host) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    socklen_t len = sizeof addr;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

bool waitExited(pid_t pid, int ms, int* status) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    do {
        const pid_t r = ::waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < end);
    return false;
}

}  // namespace

std::optional<std::string> findOnPath(const std::string& name, const EnvMap& env) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
    const auto path = envValue(env, "PATH");
    std::stringstream ss(path ? *path : std::string("/usr/local/bin:/usr/bin:/bin"));
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) dir = ".";
        const std::string candidate = dir + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

int findFreePort(const std::string& host, int preferred) {
    for (int port = preferred; port > 0 && port <= 65535 && port < preferred + 100; ++port) {
        if (canBind(host, port)) return port;
    }
    return systemPickedPort(host);
}

std::unique_ptr<TensorboardServer> TensorboardServer::start(const TensorboardOptions& o) {
    const EnvMap env = o.env.empty() ? environmentSnapshot() : o.env;
    const auto program = findOnPath("tensorboard", env);
    if (!program)
        throw TensorboardUnavailable(
            "TensorBoard is not installed (no `tensorboard` on PATH); install it with `pip install tensorboard` "
            "(or your distribution's package) and try again. The Studio's own plots show the same curves.");
    const int port = findFreePort(o.host, o.port);
    if (port < 0) throw std::runtime_error("no free TCP port on " + o.host + " for TensorBoard");

    std::vector<std::string> args = {*program, "--logdir", o.logDir, "--host", o.host, "--port",
                                     std::to_string(port)};
    std::vector<std::string> envStrings;
    for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string logPath = o.outputLog.empty() ? "/dev/null" : o.outputLog;
    const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logFd < 0) throw std::runtime_error("cannot open " + logPath + ": " + std::strerror(errno));
    const int nullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(logFd);
        if (nullFd >= 0) ::close(nullFd);
        throw std::runtime_error(std::string("cannot start TensorBoard: fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Child: die with the owner, own process group (its helpers stop with it), output to the log.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::setpgid(0, 0);
        if (nullFd >= 0) ::dup2(nullFd, 0);
        ::dup2(logFd, 1);
        ::dup2(logFd, 2);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE}) ::sigaction(s, &dfl, nullptr);
        ::execve(argv[0], argv.data(), envp.data());
        const std::string msg = std::string("cannot start ") + argv[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from the parent: no race with stop()
    ::close(logFd);
    if (nullFd >= 0) ::close(nullFd);
    std::unique_ptr<TensorboardServer> server(new TensorboardServer(pid, port, o.host));
    int status = 0;
    if (o.startupCheckMs > 0 && waitExited(pid, o.startupCheckMs, &status)) {
        server->m_reaped = true;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        throw std::runtime_error("TensorBoard (" + *program + ") exited right after starting (status " +
                                 std::to_string(code) + ")" +
                                 (o.outputLog.empty() ? std::string() : "; its output is in " + o.outputLog));
    }
    return server;
}

TensorboardServer::~TensorboardServer() { stop(); }

std::string TensorboardServer::url() const { return "http://" + m_host + ":" + std::to_string(m_port) + "/"; }

bool TensorboardServer::running() {
    if (m_reaped) return false;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid || (r < 0 && errno == ECHILD)) m_reaped = true;
    return !m_reaped;
}

void TensorboardServer::stop(int graceMs) {
    if (m_reaped || m_pid <= 0) return;
    ::kill(-m_pid, SIGTERM);
    int status = 0;
    if (!waitExited(m_pid, graceMs, &status)) {
        ::kill(-m_pid, SIGKILL);
        waitExited(m_pid, 2000, &status);
    }
    m_reaped = true;
}

}  // namespace studio

#include <filesystem>

#include "base/log/log.h"

namespace studio {

TensorboardOptions runTensorboardOptions(const std::string& runDir, int port) {
    TensorboardOptions o;
    o.logDir = runDir + "/tb";
    o.port = port;
    std::error_code ec;
    std::filesystem::create_directories(runDir + "/logs", ec);
    o.outputLog = ec ? std::string() : runDir + "/logs/tensorboard.log";
    return o;
}

std::unique_ptr<TensorboardServer> serveRunTensorboard(const std::string& runDir, int port) {
    const TensorboardOptions o = runTensorboardOptions(runDir, port);
    try {
        auto server = TensorboardServer::start(o);
        logger().info("TensorBoard: {} (logdir {}; stops with the run{})", server->url(), o.logDir,
                      server->port() != port ? "; port " + std::to_string(port) + " was taken" : std::string());
        return server;
    } catch (const std::exception& e) {
        logger().warn("--serve-tensorboard: {} Training goes on.", e.what());
        return nullptr;
    }
}

}  // namespace studio
