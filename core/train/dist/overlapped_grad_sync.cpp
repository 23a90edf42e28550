#include "train/dist/overlapped_grad_sync.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace studio::train {

OverlappedGradSync::OverlappedGradSync(std::vector<at::Tensor> params, std::size_t capBytes, int worldSize,
                                       LaunchSum launch)
    : m_params(std::move(params)), m_worldSize(worldSize), m_launch(std::move(launch)) {
    const std::size_t n = m_params.size();
    std::vector<at::Tensor> reversed(m_params.rbegin(), m_params.rend());
    m_buckets = planBuckets(reversed, capBytes);
    m_bucketOf.resize(n);
    m_offsetOf.resize(n);
    m_filled.assign(n, 0);
    for (std::size_t b = 0; b < m_buckets.size(); ++b) {
        std::int64_t offset = 0;
        for (std::size_t& i : m_buckets[b]) {
            i = n - 1 - i;  // back to an index into m_params
            m_bucketOf[i] = b;
            m_offsetOf[i] = static_cast<std::size_t>(offset);
            offset += m_params[i].numel();
        }
        const at::Tensor& first = m_params[m_buckets[b].front()];
        m_flats.push_back(at::zeros({offset}, first.options().requires_grad(false)));
    }
    for (const auto& b : m_buckets) m_pending.push_back(static_cast<int>(b.size()));
    for (std::size_t i = 0; i < n; ++i) {
        if (!m_params[i].requires_grad())
            throw std::invalid_argument("OverlappedGradSync: parameter " + std::to_string(i) + " does not require grad");
        m_hooks.push_back(m_params[i].register_hook([this, i](const at::Tensor& grad) { onGradient(i, grad); }));
    }
}

OverlappedGradSync::~OverlappedGradSync() {
    for (std::size_t i = 0; i < m_hooks.size(); ++i) {
        try {
            m_params[i].remove_hook(m_hooks[i]);
        } catch (...) {
        }
    }
}

at::Tensor OverlappedGradSync::slot(std::size_t param) const {
    const at::Tensor& p = m_params[param];
    return m_flats[m_bucketOf[param]].narrow(0, static_cast<std::int64_t>(m_offsetOf[param]), p.numel()).view(p.sizes());
}

void OverlappedGradSync::armForLastBackward() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_armed = true;
}

void OverlappedGradSync::fill(std::size_t param, const at::Tensor& value) {
    if (m_filled[param]) return;  // a second gradient in one backward cannot happen for a leaf; be safe
    at::Tensor s = slot(param);
    if (value.defined()) {
        s.copy_(value);
    } else {
        s.zero_();
    }
    m_filled[param] = 1;
    --m_pending[m_bucketOf[param]];
}

void OverlappedGradSync::onGradient(std::size_t param, const at::Tensor& incoming) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_armed || m_filled[param]) return;
    at::NoGradGuard noGrad;
    const at::Tensor& accumulated = m_params[param].grad();
    // The hook runs before the gradient is accumulated into .grad: the bucket gets what .grad will hold.
    fill(param, accumulated.defined() ? accumulated + incoming : incoming);
    if (m_pending[m_bucketOf[param]] == 0) {
        const std::size_t before = m_nextLaunch;
        launchReady();
        m_stats.bucketsEarly += static_cast<long long>(m_nextLaunch - before);
    }
}

void OverlappedGradSync::launchReady() {
    while (m_nextLaunch < m_buckets.size() && m_pending[m_nextLaunch] == 0) {
        m_waits.push_back(m_launch(m_flats[m_nextLaunch], true));
        ++m_nextLaunch;
    }
}

void OverlappedGradSync::finish() {
    const auto start = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(m_mutex);
    at::NoGradGuard noGrad;
    m_armed = false;  // unarmed (the last backward never ran here: an error): the gradients as they are
    // Which parameters have a gradient here (after backward); a gradient only some ranks have counts as zero
    // on the others, one no rank has stays undefined (AdamW skips it), as in averageGradients.
    std::vector<float> mine(m_params.size());
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        mine[i] = m_params[i].grad().defined() ? 1.f : 0.f;
        fill(i, m_params[i].grad());  // what never reported: unused in this backward
    }
    launchReady();
    at::Tensor mask = at::tensor(mine, at::kFloat).to(m_flats.empty() ? at::Device(at::kCPU) : m_flats[0].device());
    m_waits.push_back(m_launch(mask, false));
    for (auto& w : m_waits) w();  // in launch order
    m_waits.clear();
    const at::Tensor any = mask.cpu();
    const float* anyPtr = any.data_ptr<float>();
    for (std::size_t b = 0; b < m_buckets.size(); ++b) {
        m_flats[b].div_(static_cast<double>(m_worldSize));
        for (std::size_t i : m_buckets[b]) {
            if (anyPtr[i] < 0.5f) continue;
            at::Tensor p = m_params[i];
            if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
            p.mutable_grad().copy_(slot(i));
            m_stats.bytes += static_cast<long long>(p.numel()) * p.element_size();
        }
    }
    m_stats.bucketsTotal += static_cast<long long>(m_buckets.size());
    ++m_stats.syncs;
    m_nextLaunch = 0;
    for (std::size_t b = 0; b < m_buckets.size(); ++b) m_pending[b] = static_cast<int>(m_buckets[b].size());
    std::fill(m_filled.begin(), m_filled.end(), 0);
    m_stats.exposedS += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace studio::train
