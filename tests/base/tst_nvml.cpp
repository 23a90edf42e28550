// NVML loader over a fake symbol table: versioned-name fallback, struct versions, units, missing library.
#include <QtTest>

#include <cstring>
#include <map>
#include <string>

#include "base/gpu/nvml.h"

using namespace studio;

namespace {
// Fake NVML: two devices.
struct Mem { unsigned long long total, free, used; };
struct MemV2 { unsigned int version; unsigned long long total, reserved, free, used; };
struct Util { unsigned int gpu, memory; };
unsigned int g_lastMemV2Version = 0;
bool g_initOk = true;
int fInit() { return g_initOk ? 0 : 9; }
int fCount(unsigned int* n) { *n = 2; return 0; }
int fHandle(unsigned int i, void** d) { *d = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i + 1)); return i < 2 ? 0 : 2; }
int fName(void* d, char* buf, unsigned int n) { std::snprintf(buf, n, "Fake H100 #%d", int(reinterpret_cast<std::uintptr_t>(d))); return 0; }
int fMem(void*, Mem* m) { m->total = 80ull << 30; m->used = 10ull << 30; m->free = 70ull << 30; return 0; }
int fMemV2(void*, MemV2* m) {
    g_lastMemV2Version = m->version;
    if (m->version != Nvml::memoryV2Version()) return 25;  // NVML_ERROR_ARGUMENT_VERSION_MISMATCH
    m->total = 80ull << 30; m->used = 12ull << 30; m->free = 68ull << 30; m->reserved = 0;
    return 0;
}
int fUtil(void*, Util* u) { u->gpu = 97; u->memory = 40; return 0; }
int fTemp(void*, int, unsigned int* t) { *t = 64; return 0; }
int fPower(void*, unsigned int* mw) { *mw = 612000; return 0; }
int fNotSupported(void*, unsigned int*) { return 3; }

SymbolResolver resolver(std::map<std::string, void*> table) {
    return [table](const char* n) -> void* {
        auto it = table.find(n);
        return it == table.end() ? nullptr : it->second;
    };
}
std::map<std::string, void*> baseTable() {
    return {{"nvmlInit", reinterpret_cast<void*>(&fInit)},  // only the unversioned init: fallback path
            {"nvmlDeviceGetCount_v2", reinterpret_cast<void*>(&fCount)},
            {"nvmlDeviceGetHandleByIndex_v2", reinterpret_cast<void*>(&fHandle)},
            {"nvmlDeviceGetName", reinterpret_cast<void*>(&fName)},
            {"nvmlDeviceGetMemoryInfo", reinterpret_cast<void*>(&fMem)},
            {"nvmlDeviceGetUtilizationRates", reinterpret_cast<void*>(&fUtil)},
            {"nvmlDeviceGetTemperature", reinterpret_cast<void*>(&fTemp)},
            {"nvmlDeviceGetPowerUsage", reinterpret_cast<void*>(&fPower)}};
}
}  // namespace

class TstNvml : public QObject {
    Q_OBJECT
private slots:
    void structVersionEncoding() {
        // NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 << 24 = 40 | 0x2000000.
        QCOMPARE(Nvml::memoryV2Version(), 40u | (2u << 24));
    }
    void readsDevicesWithV1Memory() {
        g_initOk = true;
        Nvml nvml(resolver(baseTable()));
        QVERIFY(nvml.available());
        QCOMPARE(nvml.deviceCount(), 2);
        const auto gpus = nvml.devices();
        QCOMPARE(gpus.size(), size_t(2));
        QCOMPARE(QString::fromStdString(gpus[1].name), QString("Fake H100 #2"));
        QCOMPARE(gpus[0].memTotalBytes, 80ull << 30);
        QCOMPARE(gpus[0].memUsedBytes, 10ull << 30);
        QCOMPARE(gpus[0].utilPercent, 97);
        QCOMPARE(gpus[0].temperatureC, 64);
        QCOMPARE(gpus[0].powerW, 612.0);  // milliwatts -> watts
        QVERIFY(!nvml.device(5));
    }
    void prefersV2MemoryWithTheRightVersion() {
        auto t = baseTable();
        t["nvmlDeviceGetMemoryInfo_v2"] = reinterpret_cast<void*>(&fMemV2);
        Nvml nvml(resolver(t));
        const auto g = nvml.device(0);
        QVERIFY(g);
        QCOMPARE(g_lastMemV2Version, Nvml::memoryV2Version());
        QCOMPARE(g->memUsedBytes, 12ull << 30);
    }
    void unsupportedValuesStayUnknown() {
        auto t = baseTable();
        t["nvmlDeviceGetPowerUsage"] = reinterpret_cast<void*>(&fNotSupported);
        t.erase("nvmlDeviceGetTemperature");
        Nvml nvml(resolver(t));
        const auto g = nvml.device(0);
        QCOMPARE(g->powerW, -1.0);
        QCOMPARE(g->temperatureC, -1);
    }
    void missingLibraryOrDriver() {
        Nvml none([](const char*) -> void* { return nullptr; }, "libnvidia-ml.so.1: cannot open shared object file");
        QVERIFY(!none.available());
        QVERIFY(QString::fromStdString(none.error()).contains("libnvidia-ml.so.1"));
        QCOMPARE(none.deviceCount(), 0);
        QVERIFY(none.devices().empty());
        g_initOk = false;
        Nvml noDriver(resolver(baseTable()));
        QVERIFY(!noDriver.available());
        QVERIFY(QString::fromStdString(noDriver.error()).contains("nvidia-smi"));
        g_initOk = true;
        auto t = baseTable();
        t.erase("nvmlInit");
        QVERIFY(!Nvml(resolver(t)).available());
    }
    void realLibraryNeverThrows() {
        Nvml& real = Nvml::instance();
        if (!real.available()) QVERIFY(!real.error().empty());
        QVERIFY(real.deviceCount() >= 0);
    }
};

QTEST_GUILESS_MAIN(TstNvml)
#include "tst_nvml.moc"
