// ThreadPool: every index runs exactly once, slots are in range, exceptions reach the caller, reuse
// works.
#include <QtTest>

#include <atomic>
#include <set>
#include <stdexcept>

#include "base/util/thread_pool.h"

using studio::ThreadPool;

class TstThreadPool : public QObject {
    Q_OBJECT
  private slots:
    void everyIndexOnce() {
        for (int threads : {1, 2, 4}) {
            ThreadPool pool(threads);
            QCOMPARE(pool.size(), threads);
            for (std::size_t count : {0u, 1u, 7u, 1000u}) {
                std::vector<std::atomic<int>> hits(count);
                std::atomic<int> badSlot{0};
                pool.parallelFor(count, [&](std::size_t i, int slot) {
                    hits[i].fetch_add(1);
                    if (slot < 0 || slot >= pool.size())
                        badSlot.fetch_add(1);
                });
                for (std::size_t i = 0; i < count; ++i)
                    QCOMPARE(hits[i].load(), 1);
                QCOMPARE(badSlot.load(), 0);
            }
        }
    }
    void slotsAllowPerThreadScratch() {
        ThreadPool pool(3);
        std::vector<long> perSlot(pool.size(), 0);  // each slot is used by one thread at a time
        pool.parallelFor(10000,
                         [&](std::size_t i, int slot) { perSlot[slot] += static_cast<long>(i); });
        long total = 0;
        for (long v : perSlot)
            total += v;
        QCOMPARE(total, 10000L * 9999L / 2);
    }
    void exceptionReachesCaller() {
        ThreadPool pool(2);
        std::atomic<int> ran{0};
        bool caught = false;
        try {
            pool.parallelFor(100, [&](std::size_t i, int) {
                ran.fetch_add(1);
                if (i == 3)
                    throw std::runtime_error("task 3 failed");
            });
        } catch (const std::runtime_error& e) {
            caught = std::string(e.what()) == "task 3 failed";
        }
        QVERIFY(caught);
        QVERIFY(ran.load() >= 4);
        // The pool still works afterwards.
        std::atomic<int> after{0};
        pool.parallelFor(50, [&](std::size_t, int) { after.fetch_add(1); });
        QCOMPARE(after.load(), 50);
    }
    void manyShortJobs() {
        ThreadPool pool(2);
        std::atomic<long> sum{0};
        for (int round = 0; round < 2000; ++round)
            pool.parallelFor(3, [&](std::size_t i, int) { sum.fetch_add(static_cast<long>(i)); });
        QCOMPARE(sum.load(), 2000L * 3);
    }
    void defaultSizeIsHardwareConcurrency() {
        ThreadPool pool;
        QVERIFY(pool.size() >= 1);
        QCOMPARE(pool.size(), std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
    }
};

QTEST_GUILESS_MAIN(TstThreadPool)
#include "tst_thread_pool.moc"
