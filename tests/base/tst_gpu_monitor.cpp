// GPU telemetry for the trainer: NVML samples become `gpu` events (units converted), one per interval, and
// nothing happens without NVML.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "base/gpu/gpu_identity.h"
#include "base/gpu/gpu_monitor.h"
#include "base/gpu/nvml.h"

using namespace studio;

namespace {
struct Mem { unsigned long long total, free, used; };
struct Util { unsigned int gpu, memory; };
int fInit() { return 0; }
int fCount(unsigned int* n) { *n = 2; return 0; }
int fHandle(unsigned int i, void** d) { *d = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i + 1)); return i < 2 ? 0 : 2; }
int fName(void* d, char* buf, unsigned int n) { std::snprintf(buf, n, "Fake GPU %d", int(reinterpret_cast<std::uintptr_t>(d))); return 0; }
int fMem(void*, Mem* m) { m->total = 80ull << 30; m->used = 10ull << 30; m->free = 70ull << 30; return 0; }
int fUtil(void*, Util* u) { u->gpu = 97; u->memory = 40; return 0; }
int fTemp(void*, int, unsigned int* t) { *t = 64; return 0; }
int fPower(void*, unsigned int* mw) { *mw = 612000; return 0; }

SymbolResolver fakeNvml() {
    static const std::map<std::string, void*> table = {
        {"nvmlInit_v2", reinterpret_cast<void*>(&fInit)},
        {"nvmlDeviceGetCount_v2", reinterpret_cast<void*>(&fCount)},
        {"nvmlDeviceGetHandleByIndex_v2", reinterpret_cast<void*>(&fHandle)},
        {"nvmlDeviceGetName", reinterpret_cast<void*>(&fName)},
        {"nvmlDeviceGetMemoryInfo", reinterpret_cast<void*>(&fMem)},
        {"nvmlDeviceGetUtilizationRates", reinterpret_cast<void*>(&fUtil)},
        {"nvmlDeviceGetTemperature", reinterpret_cast<void*>(&fTemp)},
        {"nvmlDeviceGetPowerUsage", reinterpret_cast<void*>(&fPower)}};
    return [](const char* n) -> void* {
        auto it = table.find(n);
        return it == table.end() ? nullptr : it->second;
    };
}
}  // namespace

class TstGpuMonitor : public QObject {
    Q_OBJECT
private slots:
    void sampleConvertsUnits() {
        Nvml nvml(fakeNvml());
        QVERIFY(nvml.available());
        const GpuEvent e = sampleGpus(nvml);
        QCOMPARE(e.gpus.size(), std::size_t(2));
        QCOMPARE(e.gpus[1].name, std::string("Fake GPU 2"));
        QCOMPARE(e.gpus[0].memTotalMb, 80.0 * 1024);
        QCOMPARE(e.gpus[0].memUsedMb, 10.0 * 1024);
        QCOMPARE(e.gpus[0].util, 97.0);
        QCOMPARE(e.gpus[0].powerW, 612.0);
        QVERIFY(e.t > 1.7e9);
        QVERIFY(encodeEvent(e).find("\"type\":\"gpu\"") != std::string::npos);
    }
    void namesTheNodeAndMapsVisibleDevices() {
        Nvml nvml(fakeNvml());
        QCOMPARE(sampleGpus(nvml).host, localHostName());
        QVERIFY(!localHostName().empty());
        const QByteArray saved = qgetenv("CUDA_VISIBLE_DEVICES");
        const bool had = qEnvironmentVariableIsSet("CUDA_VISIBLE_DEVICES");
        qunsetenv("CUDA_VISIBLE_DEVICES");
        QCOMPARE(physicalGpuIndex(3), 3);
        qputenv("CUDA_VISIBLE_DEVICES", "6,7");
        QCOMPARE(physicalGpuIndex(0), 6);
        QCOMPARE(physicalGpuIndex(1), 7);
        QCOMPARE(physicalGpuIndex(2), -1);  // not that many visible
        QCOMPARE(physicalGpuIndex(-1), -1);
        qputenv("CUDA_VISIBLE_DEVICES", "GPU-1b2c3d4e,GPU-5f6a");
        QCOMPARE(physicalGpuIndex(0), -1);  // UUIDs: unknown
        if (had) qputenv("CUDA_VISIBLE_DEVICES", saved);
        else qunsetenv("CUDA_VISIBLE_DEVICES");
    }
    void publishesPeriodicallyAndStops() {
        Nvml nvml(fakeNvml());
        std::mutex m;
        int count = 0;
        {
            GpuMonitor monitor(nvml, 0.02, [&](const GpuEvent& e) {
                std::lock_guard<std::mutex> lock(m);
                if (e.gpus.size() == 2) ++count;
            });
            for (int i = 0; i < 300; ++i) {
                {
                    std::lock_guard<std::mutex> lock(m);
                    if (count >= 3) break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }  // joins
        const int after = count;
        QVERIFY(after >= 3);
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
        QCOMPARE(count, after);  // nothing after destruction
    }
    void noNvmlNoThread() {
        Nvml missing([](const char*) -> void* { return nullptr; }, "libnvidia-ml.so.1: cannot open shared object file");
        QVERIFY(!missing.available());
        int count = 0;
        { GpuMonitor monitor(missing, 0.01, [&](const GpuEvent&) { ++count; }); }
        QCOMPARE(count, 0);
        QVERIFY(sampleGpus(missing).gpus.empty());
    }
};

QTEST_GUILESS_MAIN(TstGpuMonitor)
#include "tst_gpu_monitor.moc"
