#pragma once
// A small fixed-size worker pool for data-parallel loops (no Torch, no Qt): parallelFor hands out
// indices dynamically, the calling thread helps, and the first exception thrown by a task is
// rethrown to the caller.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace studio {

class ThreadPool {
  public:
    /// Starts `threads - 1` workers (the caller of parallelFor is the last one); threads <= 0 means
    /// std::thread::hardware_concurrency(). Construct and destroy from one owning thread.
    explicit ThreadPool(int threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// Threads that run tasks in parallelFor, the calling thread included.
    int size() const { return static_cast<int>(m_workers.size()) + 1; }

    /// Calls fn(i) for every i in [0, count) across the pool and returns when all calls have
    /// finished. `fn` receives the index and the slot (0 .. size()-1) of the thread running it, so
    /// callers can keep per-thread scratch buffers. Rethrows the first exception (remaining indices
    /// are skipped). Not reentrant: one parallelFor at a time per pool (a second caller waits for
    /// the first to finish).
    void parallelFor(std::size_t count, const std::function<void(std::size_t index, int slot)>& fn);

  private:
    struct Job;
    void workerLoop(int slot);
    static void runJob(Job& job, int slot);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;              // guards m_job, m_generation, m_stopping, m_active
    std::condition_variable m_wake;  // workers wait for a job
    std::condition_variable m_done;  // the caller waits for workers to leave the job
    std::mutex m_callerMutex;        // serialises parallelFor callers
    std::shared_ptr<Job> m_job;
    std::size_t m_generation = 0;
    int m_active = 0;
    bool m_stopping = false;
};

}  // namespace studio
