// CPU math settings: which variables the trainer adds before it re-executes itself, and that it never
// overrides the user's. The re-exec itself is exercised by every test that runs rfdetr-train.
#include <QtTest>

#include "base/runtime/cpu_runtime_env.h"

using namespace studio;

namespace {
using Vars = std::vector<std::pair<std::string, std::string>>;
CpuFeatures avx512() { return {true, true, true}; }
CpuFeatures avx2() { return {true, true, false}; }
CpuFeatures sse() { return {false, false, false}; }
}  // namespace

class TstCpuRuntimeEnv : public QObject {
    Q_OBJECT
  private slots:
    void genericKernelsOnAvx512GetSkylakeX() {
        const Vars v = recommendedCpuRuntimeEnv({}, avx512(), "Prescott");
        QCOMPARE(v, (Vars{{"OPENBLAS_CORETYPE", "SKYLAKEX"}, {"OMP_WAIT_POLICY", "PASSIVE"}}));
    }
    void genericKernelsOnAvx2GetHaswell() {
        const Vars v = recommendedCpuRuntimeEnv({}, avx2(), "Core2");
        QCOMPARE(v, (Vars{{"OPENBLAS_CORETYPE", "HASWELL"}, {"OMP_WAIT_POLICY", "PASSIVE"}}));
    }
    void oldCpuKeepsOpenBlasChoice() {
        const Vars v = recommendedCpuRuntimeEnv({}, sse(), "Prescott");
        QCOMPARE(v, (Vars{{"OMP_WAIT_POLICY", "PASSIVE"}}));
    }
    void recognisedCoreIsLeftAlone() {
        for (const char* core : {"SkylakeX", "Haswell", "Zen", "SapphireRapids", "Cooperlake"}) {
            const Vars v = recommendedCpuRuntimeEnv({}, avx512(), core);
            QCOMPARE(v, (Vars{{"OMP_WAIT_POLICY", "PASSIVE"}}));
        }
    }
    void noOpenBlasNoCoreType() {
        const Vars v = recommendedCpuRuntimeEnv({}, avx512(), "");
        QCOMPARE(v, (Vars{{"OMP_WAIT_POLICY", "PASSIVE"}}));
    }
    void userSettingsWin() {
        const EnvMap env = {{"OPENBLAS_CORETYPE", "HASWELL"}, {"OMP_WAIT_POLICY", "ACTIVE"}};
        QVERIFY(recommendedCpuRuntimeEnv(env, avx512(), "Prescott").empty());
        const EnvMap spin = {{"GOMP_SPINCOUNT", "1000"}};
        QCOMPARE(recommendedCpuRuntimeEnv(spin, avx512(), "SkylakeX"), Vars{});
    }
    void keepTurnsItOff() {
        QVERIFY(recommendedCpuRuntimeEnv({{"STUDIO_CPU_ENV", "keep"}}, avx512(), "Prescott").empty());
    }
    void describesTheProcess() {
        const std::string line = describeCpuRuntime();
        QVERIFY2(line.rfind("CPU math: OpenBLAS core ", 0) == 0, line.c_str());
        QVERIFY2(line.find("OMP_WAIT_POLICY=") != std::string::npos, line.c_str());
    }
};

QTEST_GUILESS_MAIN(TstCpuRuntimeEnv)
#include "tst_cpu_runtime_env.moc"
