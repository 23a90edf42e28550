// rfdetr-train's option parsing: generic options reader and the train command line.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "base/config/config_cli.h"
#include "base/config/config_fields.h"

using namespace studio;

class TstConfigCli : public QObject {
    Q_OBJECT
private slots:
    void optionForms() {
        const std::vector<OptionSpec> specs = {{"--weights", true, "FILE", ""}, {"--json", false, "", ""}};
        auto p = parseOptions({"--weights", "a.pth", "--json", "img.png"}, specs);
        QVERIFY(p.problems.empty());
        QCOMPARE(p.get("--weights").value(), std::string("a.pth"));
        QVERIFY(p.flag("--json"));
        QCOMPARE(p.positionals, std::vector<std::string>{"img.png"});
        p = parseOptions({"--weights=b.pth", "--no-json"}, specs);
        QCOMPARE(p.get("--weights").value(), std::string("b.pth"));
        QVERIFY(!p.flag("--json"));
        p = parseOptions({"--weights"}, specs);
        QCOMPARE(p.problems.size(), size_t(1));
        QVERIFY(p.problems[0].message.find("needs a value") != std::string::npos);
        p = parseOptions({"--wieghts", "x"}, specs);
        QCOMPARE(p.problems[0].message, std::string("unknown option"));
        p = parseOptions({"--json=maybe"}, specs);
        QCOMPARE(p.problems.size(), size_t(1));
        p = parseOptions({"--", "--json"}, specs);
        QCOMPARE(p.positionals, std::vector<std::string>{"--json"});
    }
    void trainCommandLine() {
        const auto cl = parseTrainCommandLine({"--batch-size", "16", "--learning-rate=2e-4", "--no-tensorboard",
                                               "--dry-run", "--config", "c.json", "--rank", "1", "--world-size", "2",
                                               "--master-addr", "10.0.0.1"});
        QVERIFY2(cl.problems.empty(), formatProblems(cl.problems).c_str());
        QVERIFY(cl.dryRun);
        QCOMPARE(cl.sources.configJsonPath, std::string("c.json"));
        QCOMPARE(cl.rank.rank.value(), 1);
        QCOMPARE(cl.rank.worldSize.value(), 2);
        QCOMPARE(cl.rank.masterAddr.value(), std::string("10.0.0.1"));
        ConfigSources s = cl.sources;
        s.configJsonPath.clear();
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY(l.problems.empty());
        QCOMPARE(l.config.batchSize, 16);
        QCOMPARE(l.config.lr, 2e-4);
        QVERIFY(!l.config.tensorboard);
    }
    void strayArgumentsAreProblems() {
        const auto cl = parseTrainCommandLine({"demo", "--rank", "-1"});
        QCOMPARE(cl.problems.size(), size_t(2));
    }
    void toCommandLineReproducesTheConfig() {
        RunConfig c = defaultRunConfig();
        c.batchSize = 16;
        c.modelSize = ModelSize::Small;
        c.multiScale = false;
        c.gpuIds = {1, 3};
        c.numGpus = 2;
        c.resolution = 320;
        c.hfToken = "secret";
        setResumeSetting(c, "auto");
        const auto args = toCommandLine(c);
        for (const auto& a : args) QVERIFY(a.find("secret") == std::string::npos);
        const auto cl = parseTrainCommandLine(args);
        QVERIFY(cl.problems.empty());
        const LoadedConfig l = loadRunConfig(cl.sources);
        QVERIFY(l.problems.empty());
        RunConfig expected = c;
        expected.hfToken.clear();
        QCOMPARE(runConfigToJson(l.config), runConfigToJson(expected));
        QVERIFY(toCommandLine(defaultRunConfig()).empty());
    }
    void helpListsEveryFlagAndEnvVar() {
        const std::string help = trainHelpText();
        for (const auto& f : configFields()) {
            QVERIFY2(help.find(f.flag) != std::string::npos, f.flag.c_str());
            if (!f.envVar.empty()) QVERIFY2(help.find("[" + f.envVar + "]") != std::string::npos, f.envVar.c_str());
        }
        QVERIFY(help.find("Effective batch") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TstConfigCli)
#include "tst_config_cli.moc"
