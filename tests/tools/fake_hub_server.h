#pragma once
// Test helper: starts tests/tools/fake_hub.py on 127.0.0.1 (random port) for one test case and talks to
// its control endpoint. Header-only; Qt Test executables include it.
#include <QProcess>
#include <QString>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <string>

#include "base/hf/http_client.h"

namespace studio::testing {

class FakeHubServer {
public:
    FakeHubServer() {
        m_process.setProgram("python3");
        m_process.setArguments({QString(STUDIO_SOURCE_DIR) + "/tests/tools/fake_hub.py"});
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
        if (!m_process.waitForStarted(10000)) return;
        while (m_process.state() == QProcess::Running && !m_process.canReadLine()) m_process.waitForReadyRead(200);
        const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
        if (line.startsWith("PORT ")) m_port = line.mid(5).toInt();
    }
    ~FakeHubServer() {
        m_process.closeWriteChannel();  // the server exits when its stdin closes
        if (!m_process.waitForFinished(3000)) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }
    bool running() const { return m_port > 0; }
    int port() const { return m_port; }
    /// The Hub origin (what HF_ENDPOINT would be).
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    /// Merges `state` into the server's state (repos, tokens, faults, ...).
    bool configure(const nlohmann::json& state) const {
        hf::HttpRequest r;
        r.method = "POST";
        r.url = endpoint() + "/_control";
        r.body = state.dump();
        r.headers = {"Content-Type: application/json"};
        return hf::performHttp(r).status == 200;
    }
    /// {"log": [{"method","host","path","auth","token","range"}...], "lfs": {oid: size}, "commits": [...]}
    nlohmann::json log() const {
        hf::HttpRequest r;
        r.url = endpoint() + "/_control/log";
        return nlohmann::json::parse(hf::performHttp(r).body, nullptr, false);
    }
    std::string stderrText() { return m_process.readAllStandardError().toStdString(); }

private:
    QProcess m_process;
    int m_port = 0;
};

}  // namespace studio::testing
