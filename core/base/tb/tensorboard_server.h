#pragma once
// A TensorBoard server for a run (issue 11): finds `tensorboard` on PATH, picks the preferred port or the next
// free one, starts `tensorboard --logdir DIR --host 127.0.0.1 --port P` in its own process group (its output
// goes to a log file, never to our stdout, which carries events) and stops it with the owner: SIGTERM to
// the group, SIGKILL after a grace period, and PR_SET_PDEATHSIG should the owner die first.
#include <sys/types.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "base/util/env.h"

namespace studio {

/// `tensorboard` is not on PATH; what() says how to install it.
class TensorboardUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TensorboardOptions {
    std::string logDir;                 // <run>/tb
    std::string host = "127.0.0.1";
    int port = 6006;                    // preferred; the next free one (up to +100, then any) when taken
    std::string outputLog;              // the server's stdout + stderr ("" = /dev/null)
    int startupCheckMs = 500;           // a server that exits this soon is reported as failed to start
    EnvMap env;                         // PATH is looked up here (empty: the process environment)
};

class TensorboardServer {
public:
    /// Starts the server. Throws TensorboardUnavailable (not on PATH) or std::runtime_error (no free port,
    /// exec failed, exited at once: the message names the log). Any thread.
    static std::unique_ptr<TensorboardServer> start(const TensorboardOptions& options);
    ~TensorboardServer();  // stop()
    TensorboardServer(const TensorboardServer&) = delete;
    TensorboardServer& operator=(const TensorboardServer&) = delete;

    int port() const { return m_port; }
    pid_t pid() const { return m_pid; }
    /// "http://127.0.0.1:6006/".
    std::string url() const;
    /// False once the server exited (reaps it). Owner's thread.
    bool running();
    /// Stops the server: SIGTERM to its process group, SIGKILL after `graceMs`. Idempotent. Owner's thread.
    void stop(int graceMs = 3000);

private:
    TensorboardServer(pid_t pid, int port, std::string host) : m_pid(pid), m_port(port), m_host(std::move(host)) {}
    pid_t m_pid = -1;
    int m_port = 0;
    std::string m_host;
    bool m_reaped = false;
};

/// The full path of executable `name` on PATH (from `env`), or nullopt. Any thread.
std::optional<std::string> findOnPath(const std::string& name, const EnvMap& env);

/// `preferred` when a TCP server can bind it on `host`, else the next free port up to preferred + 99, else
/// one the system picks; -1 when none. Any thread.
int findFreePort(const std::string& host, int preferred);

}  // namespace studio

namespace studio {

/// Options for a run folder: logdir <runDir>/tb, output in <runDir>/logs/tensorboard.log (both created).
TensorboardOptions runTensorboardOptions(const std::string& runDir, int port);

/// --serve-tensorboard: starts TensorBoard on <runDir>/tb (output in <runDir>/logs/tensorboard.log) and logs its
/// URL; when it cannot start (not installed, no port) logs a warning saying why and returns null — training
/// goes on without it. Any thread.
std::unique_ptr<TensorboardServer> serveRunTensorboard(const std::string& runDir, int port);

}  // namespace studio
