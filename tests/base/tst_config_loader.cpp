// Config sources and their precedence: defaults -> config.json -> seed env vars -> CLI flags.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"
#include "base/config/config_loader.h"

using namespace studio;

namespace {
std::string writeFile(const QTemporaryDir& dir, const char* name, const std::string& text) {
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream(path) << text;
    return path;
}
bool mentions(const std::vector<Problem>& ps, const std::string& field, const std::string& text = "") {
    for (const auto& p : ps) {
        if (p.field.find(field) != std::string::npos &&
            (text.empty() || p.toString().find(text) != std::string::npos))
            return true;
    }
    return false;
}
}  // namespace

class TstConfigLoader : public QObject {
    Q_OBJECT
private slots:
    void defaultsWhenNothingIsGiven() {
        const LoadedConfig l = loadRunConfig({});
        QVERIFY(l.problems.empty());
        QCOMPARE(l.config.batchSize, defaultRunConfig().batchSize);
        QVERIFY(l.provenance.empty());
    }
    void precedenceJsonThenEnvThenFlags() {
        QTemporaryDir dir;
        ConfigSources s;
        s.configJsonPath = writeFile(dir, "c.json", R"({"batch_size": 8, "epochs": 5, "model_size": "small"})");
        s.env = {{"BATCH_SIZE", "12"}, {"EPOCHS", "7"}, {"UNRELATED", "x"}};
        s.flags = {{"--batch-size", "16"}};
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY2(l.problems.empty(), formatProblems(l.problems).c_str());
        QCOMPARE(l.config.batchSize, 16);             // flag wins
        QCOMPARE(l.config.epochs, 7);                 // env beats json
        QCOMPARE(l.config.modelSize, ModelSize::Small);  // json beats default
        QCOMPARE(fieldLabel("batch_size", l.provenance), std::string("--batch-size"));
        QCOMPARE(fieldLabel("epochs", l.provenance), std::string("EPOCHS"));
        QCOMPARE(fieldLabel("model_size", l.provenance), s.configJsonPath + ": model_size");
        QCOMPARE(fieldLabel("lr", l.provenance), std::string("lr"));
    }
    void everySeedVariableIsRead() {
        ConfigSources s;
        s.env = {{"NUM_GPUS", "4"},          {"RESUME_CHECKPOINT", "auto"}, {"BATCH_SIZE", "24"},
                 {"GRAD_ACCUM_STEPS", "2"},  {"MODEL_SIZE", "large"},       {"EPOCHS", "30"},
                 {"LEARNING_RATE", "2e-4"},  {"NUM_WORKERS", "12"},         {"OUTPUT_DIR", "/o"},
                 {"CACHE_DIR", "/c"},        {"HF_TOKEN", "hf_secret"},     {"HF_USERNAME", "me"}};
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY(l.problems.empty());
        const RunConfig& c = l.config;
        QCOMPARE(c.numGpus, 4);
        QCOMPARE(c.resumeMode, ResumeMode::Auto);
        QCOMPARE(c.batchSize, 24);
        QCOMPARE(c.gradAccumSteps, 2);
        QCOMPARE(c.modelSize, ModelSize::Large);
        QCOMPARE(c.epochs, 30);
        QCOMPARE(c.lr, 2e-4);
        QCOMPARE(c.numWorkers, 12);
        QCOMPARE(c.outputDir, std::string("/o"));
        QCOMPARE(c.cacheDir, std::string("/c"));
        QCOMPARE(c.hfToken, std::string("hf_secret"));
        QCOMPARE(c.hfUsername, std::string("me"));
    }
    void emptyEnvironmentVariablesMeanUnset() {
        ConfigSources s;
        s.env = {{"BATCH_SIZE", ""}, {"RESUME_CHECKPOINT", ""}};
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY(l.problems.empty());
        QCOMPARE(l.config.batchSize, defaultRunConfig().batchSize);
        QCOMPARE(l.config.resumeMode, ResumeMode::None);
    }
    void allParseProblemsAtOnce() {
        QTemporaryDir dir;
        ConfigSources s;
        s.configJsonPath = writeFile(dir, "c.json", R"({"batchsize": 8, "epochs": "ten", "lr": 1e-4})");
        s.env = {{"EPOCHS", "abc"}, {"MODEL_SIZE", "huge"}, {"LEARNING_RATE", "fast"}};
        s.flags = {{"--num-gpus", "two"}, {"--bogus", "1"}};
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY(mentions(l.problems, "batchsize", "did you mean \"batch_size\""));
        QVERIFY(mentions(l.problems, "epochs", "whole number"));
        QVERIFY(mentions(l.problems, "EPOCHS", "abc"));
        QVERIFY(mentions(l.problems, "MODEL_SIZE", "small"));
        QVERIFY(mentions(l.problems, "LEARNING_RATE", "not a number"));
        QVERIFY(mentions(l.problems, "--num-gpus", "two"));
        QVERIFY(mentions(l.problems, "--bogus", "unknown option"));
        QCOMPARE(l.problems.size(), size_t(7));
    }
    void syntaxErrorNamesLineAndColumn() {
        QTemporaryDir dir;
        ConfigSources s;
        s.configJsonPath = writeFile(dir, "bad.json", "{\n  \"batch_size\": 8\n  \"epochs\": 3\n}\n");
        const LoadedConfig l = loadRunConfig(s);
        QCOMPARE(l.problems.size(), size_t(1));
        QVERIFY2(l.problems[0].toString().find("line 3") != std::string::npos, l.problems[0].toString().c_str());
        QVERIFY(l.problems[0].field.find("bad.json") != std::string::npos);
    }
    void missingConfigFileIsAProblem() {
        ConfigSources s;
        s.configJsonPath = "/nonexistent/config.json";
        const LoadedConfig l = loadRunConfig(s);
        QVERIFY(mentions(l.problems, "--config", "cannot be read"));
    }
    void jsonRoundTripKeepsEveryField() {
        RunConfig c = defaultRunConfig(ModelSize::Large);
        c.batchSize = 7;
        c.gpuIds = {0, 2};
        c.numGpus = 2;
        c.lrScheduler = LrSchedule::Cosine;
        c.warmupEpochs = 0.5;
        c.resolution = 640;
        c.earlyStopping = true;
        c.seed = 1234;
        c.gradCompression = GradCompression::Fp16;
        setResumeSetting(c, "/r/checkpoint.pth");
        c.hfUsername = "me";
        const nlohmann::json j = runConfigToJson(c);
        QCOMPARE(j["effective_batch_size"].get<long long>(), 7LL * c.gradAccumSteps * 2);
        const LoadedConfig back = runConfigFromJson(j);
        QVERIFY2(back.problems.empty(), formatProblems(back.problems).c_str());
        QCOMPARE(runConfigToJson(back.config), j);
        QCOMPARE(back.config.gpuIds, c.gpuIds);
        QCOMPARE(back.config.resumePath, c.resumePath);
        QCOMPARE(j["grad_compression"].get<std::string>(), std::string("fp16"));
        QVERIFY(back.config.gradCompression == GradCompression::Fp16);
    }
    void gradCompressionNamesAndErrors() {
        QVERIFY(parseGradCompression("BF16") == GradCompression::Bf16);
        QVERIFY(parseGradCompression("none") == GradCompression::None);
        QVERIFY(!parseGradCompression("int8"));
        QVERIFY(defaultRunConfig().gradCompression == GradCompression::None);  // exact unless asked
        RunConfig c;
        const auto error = findFieldByFlag("--grad-compression")->setText(c, "int8");
        QVERIFY(error && error->find("none, bf16 or fp16") != std::string::npos);
    }
    void secretsAreMaskedAndNotReadBack() {
        RunConfig c;
        c.hfToken = "hf_very_secret";
        const std::string text = runConfigToJson(c).dump();
        QVERIFY(text.find("hf_very_secret") == std::string::npos);
        QVERIFY(text.find("\"hf_token\":\"***\"") != std::string::npos);
        const LoadedConfig back = runConfigFromJson(nlohmann::json::parse(text));
        QVERIFY(back.config.hfToken.empty());
        RunConfig none;
        QCOMPARE(runConfigToJson(none)["hf_token"].get<std::string>(), std::string(""));
    }
    void everyFieldHasHelpAndExample() {
        for (const auto& f : configFields()) {
            QVERIFY2(!f.help.empty(), f.key.c_str());
            QVERIFY2(!f.example.empty(), f.key.c_str());
            QVERIFY2(f.flag.rfind("--", 0) == 0, f.key.c_str());
            QCOMPARE(findFieldByKey(f.key), &f);
            QCOMPARE(findFieldByFlag(f.flag), &f);
            // The example value must parse.
            RunConfig c;
            if (f.type != FieldType::Path && f.type != FieldType::String)
                QVERIFY2(!f.setText(c, f.example), (f.key + " example " + f.example).c_str());
        }
        QCOMPARE(findFieldByFlag("--learning-rate")->key, std::string("lr"));
        QCOMPARE(findFieldByEnv("GRAD_ACCUM_STEPS")->key, std::string("grad_accum_steps"));
    }
    void strictNumberParsing() {
        QVERIFY(!parseInteger("12abc"));
        QVERIFY(!parseInteger(""));
        QCOMPARE(parseInteger("-3").value(), -3LL);
        QVERIFY(!parseReal("nan"));
        QVERIFY(!parseReal("inf"));
        QVERIFY(!parseReal("1e-4x"));
        QCOMPARE(parseReal("1e-4").value(), 1e-4);
        QCOMPARE(parseBool("Yes").value(), true);
        QVERIFY(!parseBool("maybe"));
    }
};

QTEST_GUILESS_MAIN(TstConfigLoader)
#include "tst_config_loader.moc"
