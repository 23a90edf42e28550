#include "base/util/thread_pool.h"

#include <atomic>

namespace studio {

struct ThreadPool::Job {
    std::size_t count = 0;
    const std::function<void(std::size_t, int)>* fn = nullptr;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    std::exception_ptr error;
};

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0)
        threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0)
        threads = 1;
    m_workers.reserve(static_cast<std::size_t>(threads - 1));
    for (int slot = 1; slot < threads; ++slot)
        m_workers.emplace_back([this, slot] { workerLoop(slot); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& t : m_workers)
        t.join();
}

void ThreadPool::runJob(Job& job, int slot) {
    for (;;) {
        const std::size_t i = job.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= job.count || job.failed.load(std::memory_order_relaxed))
            return;
        try {
            (*job.fn)(i, slot);
        } catch (...) {
            std::lock_guard<std::mutex> lock(job.errorMutex);
            if (!job.error)
                job.error = std::current_exception();
            job.failed.store(true, std::memory_order_relaxed);
        }
    }
}

void ThreadPool::workerLoop(int slot) {
    std::size_t seen = 0;
    for (;;) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stopping || m_generation != seen; });
            if (m_stopping)
                return;
            seen = m_generation;
            job = m_job;
            ++m_active;
        }
        if (job)
            runJob(*job, slot);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_active;
        }
        m_done.notify_all();
    }
}

void ThreadPool::parallelFor(std::size_t count, const std::function<void(std::size_t, int)>& fn) {
    if (count == 0)
        return;
    std::lock_guard<std::mutex> callerLock(m_callerMutex);
    auto job = std::make_shared<Job>();
    job->count = count;
    job->fn = &fn;
    if (!m_workers.empty() && count > 1) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_job = job;
            ++m_generation;
        }
        m_wake.notify_all();
    }
    runJob(*job, 0);
    {
        // Wait until every worker that picked this job up has left it (fn must outlive their
        // calls).
        std::unique_lock<std::mutex> lock(m_mutex);
        m_job.reset();
        m_done.wait(lock, [&] { return m_active == 0; });
    }
    if (job->error)
        std::rethrow_exception(job->error);
}

}  // namespace studio
