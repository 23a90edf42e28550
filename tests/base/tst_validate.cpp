// validateRunConfig: every problem at once, named as the user wrote it, with a fix.
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/config/validate.h"

using namespace studio;

namespace {
const Problem* find(const std::vector<Problem>& ps, const std::string& field) {
    for (const auto& p : ps) {
        if (p.field == field) return &p;
    }
    return nullptr;
}
ValidationContext ctx(ValidationPurpose p = ValidationPurpose::Train, int gpus = 0, bool cuda = true) {
    ValidationContext c;
    c.purpose = p;
    c.gpusAvailable = gpus;
    c.cudaBuild = cuda;
    return c;
}
}  // namespace

class TstValidate : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    RunConfig valid() {
        RunConfig c = defaultRunConfig();
        c.outputDir = m_dir.filePath("out").toStdString();
        c.device = DeviceKind::Cpu;
        return c;
    }
private slots:
    void defaultsAreValid() {
        const auto ps = validateRunConfig(valid(), {}, ctx());
        QVERIFY2(ps.empty(), formatProblems(ps).c_str());
    }
    void theIssuesListIsReportedAtOnce() {
        RunConfig c = valid();
        c.batchSize = 0;
        c.numGpus = -1;
        c.lr = -1;
        c.resolution = 500;
        c.outputDir = "/etc/passwd/sub";
        setResumeSetting(c, "/no/such/checkpoint.pth");
        Provenance prov = {{"batch_size", {SourceKind::Env, "BATCH_SIZE"}},
                           {"num_gpus", {SourceKind::Env, "NUM_GPUS"}},
                           {"lr", {SourceKind::Env, "LEARNING_RATE"}},
                           {"resolution", {SourceKind::Flag, "--resolution"}},
                           {"output_dir", {SourceKind::Env, "OUTPUT_DIR"}},
                           {"resume", {SourceKind::Env, "RESUME_CHECKPOINT"}}};
        const auto ps = validateRunConfig(c, prov, ctx());
        QVERIFY(hasErrors(ps));
        for (const char* f : {"BATCH_SIZE", "NUM_GPUS", "LEARNING_RATE", "--resolution", "OUTPUT_DIR", "RESUME_CHECKPOINT"})
            QVERIFY2(find(ps, f), (std::string("missing ") + f + "\n" + formatProblems(ps)).c_str());
        QCOMPARE(find(ps, "BATCH_SIZE")->value, std::string("0"));
        QVERIFY(find(ps, "BATCH_SIZE")->fix.find("BATCH_SIZE=16") != std::string::npos);
        QVERIFY(find(ps, "--resolution")->fix.find("--resolution 480") != std::string::npos);
        QVERIFY(find(ps, "OUTPUT_DIR")->message.find("not a folder") != std::string::npos);
    }
    void resolutionMustBeAMultipleOf32() {
        RunConfig c = valid();
        for (int r : {32, 100, 3000, 500}) {
            c.resolution = r;
            QVERIFY2(find(validateRunConfig(c, {}, ctx()), "resolution"), std::to_string(r).c_str());
        }
        for (int r : {0, 64, 96, 576, 1024}) {
            c.resolution = r;
            QVERIFY(!find(validateRunConfig(c, {}, ctx()), "resolution"));
        }
    }
    void outputDirChecks() {
        RunConfig c = valid();
        const std::string file = m_dir.filePath("afile").toStdString();
        std::ofstream(file) << "x";
        c.outputDir = file;
        QVERIFY(find(validateRunConfig(c, {}, ctx()), "output_dir"));
        c.outputDir = m_dir.filePath("new/deep/dir").toStdString();  // creatable
        QVERIFY(!find(validateRunConfig(c, {}, ctx()), "output_dir"));
        QVERIFY(!std::filesystem::exists(c.outputDir));  // validation writes nothing
        if (geteuid() != 0) {
            const std::string ro = m_dir.filePath("ro").toStdString();
            std::filesystem::create_directory(ro);
            std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
            c.outputDir = ro + "/run";
            QVERIFY(find(validateRunConfig(c, {}, ctx()), "output_dir"));
        }
    }
    void datasetChecks() {
        RunConfig c = valid();
        c.dataset = "hf:jbarrow/CommonForms@main";
        QVERIFY(!find(validateRunConfig(c, {}, ctx()), "dataset"));
        c.dataset = "hf:no-slash";
        QVERIFY(find(validateRunConfig(c, {}, ctx()), "dataset"));
        c.dataset = m_dir.filePath("missing").toStdString();
        QVERIFY(find(validateRunConfig(c, {}, ctx()), "dataset"));
        c.dataset = m_dir.path().toStdString();
        QVERIFY(!find(validateRunConfig(c, {}, ctx()), "dataset"));
        QVERIFY(isHubDatasetSpec("hf:a/b"));
        QVERIFY(!isHubDatasetSpec("hf:a/b/c"));
    }
    void missingGpusWarnOnDryRunAndFailOnTraining() {
        RunConfig c = valid();
        c.device = DeviceKind::Auto;
        c.numGpus = 4;
        Provenance prov = {{"num_gpus", {SourceKind::Env, "NUM_GPUS"}}};
        auto dry = validateRunConfig(c, prov, ctx(ValidationPurpose::DryRun, 1));
        QVERIFY(!hasErrors(dry));
        QCOMPARE(find(dry, "NUM_GPUS")->severity, Severity::Warning);
        auto train = validateRunConfig(c, prov, ctx(ValidationPurpose::Train, 1));
        QCOMPARE(find(train, "NUM_GPUS")->severity, Severity::Error);
        QVERIFY(find(train, "NUM_GPUS")->fix.find("CUDA_VISIBLE_DEVICES") != std::string::npos);
        // Enough GPUs: fine. CPU ranks: the GPU count does not matter.
        QVERIFY(validateRunConfig(c, prov, ctx(ValidationPurpose::Train, 4)).empty());
        c.device = DeviceKind::Cuda;
        c.numGpus = 1;
        QVERIFY(hasErrors(validateRunConfig(c, {}, ctx(ValidationPurpose::Train, 0))));
        QVERIFY(!hasErrors(validateRunConfig(c, {}, ctx(ValidationPurpose::Train, 2, /*cuda=*/true))));
        auto cpuBuild = validateRunConfig(c, {}, ctx(ValidationPurpose::Train, 2, /*cuda=*/false));
        QVERIFY(find(cpuBuild, "device")->message.find("without CUDA") != std::string::npos);
        // A CPU build is not fixed by looking at nvidia-smi: the fix names a CUDA build.
        QVERIFY(find(cpuBuild, "device")->fix.find("CUDA LibTorch") != std::string::npos);
        auto noGpu = validateRunConfig(c, {}, ctx(ValidationPurpose::Train, 0, /*cuda=*/true));
        QVERIFY(find(noGpu, "device")->fix.find("nvidia-smi") != std::string::npos);
    }
    void rangesOfTheRecipe() {
        RunConfig c = valid();
        c.emaDecay = 1.0;
        c.lrVitLayerDecay = 0;
        c.gradAccumSteps = 0;
        c.epochs = 0;
        c.numWorkers = -2;
        c.checkpointInterval = 0;
        const auto ps = validateRunConfig(c, {}, ctx());
        for (const char* f : {"ema_decay", "lr_vit_layer_decay", "grad_accum_steps", "epochs", "num_workers",
                              "checkpoint_interval"})
            QVERIFY2(find(ps, f), f);
    }
    void pushToHubNeedsUserAndToken() {
        RunConfig c = valid();
        c.pushToHub = true;
        const auto ps = validateRunConfig(c, {}, ctx());
        QVERIFY(find(ps, "hf_username"));
    }
    void pushToHubTakesTheTokenFromEnvOrTokenFile() {
        RunConfig c = valid();
        c.pushToHub = true;
        c.hfUsername = "me";
        const std::string home = m_dir.filePath("home").toStdString();
        EnvMap env{{"HOME", home}};
        ValidationContext x = ctx();
        x.env = &env;
        const Problem* p = find(validateRunConfig(c, {}, x), "hf_token");
        QVERIFY(p);
        QVERIFY(p->fix.find("hf auth login") != std::string::npos);
        env["HF_TOKEN"] = "hf_from_env";
        QVERIFY(!find(validateRunConfig(c, {}, x), "hf_token"));
        env.erase("HF_TOKEN");
        std::filesystem::create_directories(home + "/.cache/huggingface");
        std::ofstream(home + "/.cache/huggingface/token") << "hf_from_file\n";
        const auto ps = validateRunConfig(c, {}, x);
        QVERIFY(!find(ps, "hf_token"));
        for (const auto& q : ps) QVERIFY(q.toString().find("hf_from_file") == std::string::npos);
        env["HF_HOME"] = m_dir.filePath("elsewhere").toStdString();  // HF_HOME moves the token file
        QVERIFY(find(validateRunConfig(c, {}, x), "hf_token"));
    }
    void resumePathMustBeAFile() {
        RunConfig c = valid();
        setResumeSetting(c, m_dir.path().toStdString());
        QVERIFY(find(validateRunConfig(c, {}, ctx()), "resume"));
        setResumeSetting(c, "auto");
        QVERIFY(!find(validateRunConfig(c, {}, ctx()), "resume"));
    }
};

QTEST_GUILESS_MAIN(TstValidate)
#include "tst_validate.moc"
