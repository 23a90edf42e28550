#pragma once
// Early stopping (rfdetr's EarlyStoppingCallback, rfdetr-spec.md §6.10) and the best-mAP bookkeeping that
// decides checkpoint_best_{regular,ema,total}.pth (rfdetr's BestMetricHolder, §7.1). Plain state, saved in
// checkpoints so both survive a resume. No Torch here.
#include <optional>

#include <nlohmann/json.hpp>

namespace studio::train {

class EarlyStopping {
public:
    EarlyStopping(int patience = 10, double minDelta = 0.001, bool useEma = false)
        : m_patience(patience), m_minDelta(minDelta), m_useEma(useEma) {}

    /// Feeds one epoch's mAP@[.5:.95] (fractions; nullopt = not evaluated). Returns true when training should
    /// stop after this epoch. Epochs without any evaluation change nothing.
    bool update(std::optional<double> regularMap, std::optional<double> emaMap);

    double best() const { return m_best; }
    int counter() const { return m_counter; }
    int patience() const { return m_patience; }
    bool triggered() const { return m_counter >= m_patience; }

    nlohmann::json toJson() const;
    /// Restores best and counter (the settings stay as constructed). Missing keys leave values unchanged.
    void restore(const nlohmann::json& j);

private:
    int m_patience;
    double m_minDelta;
    bool m_useEma;
    double m_best = 0.0;
    int m_counter = 0;
};

/// One running best (rfdetr's BestMetricSingle: larger is better, strictly).
struct BestValue {
    double value = 0.0;
    int epoch = -1;
    /// Takes `v` when it beats the best; returns whether it did.
    bool offer(double v, int ep);
};

class BestMetrics {
public:
    explicit BestMetrics(bool useEma = true) : m_useEma(useEma) {}

    /// Feeds the regular (isEma false) or EMA mAP of `epoch`. Returns true when it is a new best over both
    /// kinds (rfdetr's quirk: best_regular is written only when it beats every earlier EMA value too).
    bool offer(double map, int epoch, bool isEma);
    /// At the end: the EMA weights are the better ones (best EMA mAP strictly above best regular mAP).
    bool bestIsEma() const { return m_useEma && m_ema.value > m_regular.value; }

    const BestValue& all() const { return m_all; }
    const BestValue& regular() const { return m_regular; }
    const BestValue& ema() const { return m_ema; }
    /// rfdetr's log.txt summary: all_best_res, all_best_ep, regular_*, ema_* (best_res/best_ep without EMA).
    nlohmann::json summary() const;

    nlohmann::json toJson() const;
    void restore(const nlohmann::json& j);

private:
    bool m_useEma;
    BestValue m_all, m_regular, m_ema;
};

}  // namespace studio::train
