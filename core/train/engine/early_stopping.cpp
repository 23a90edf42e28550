#include "train/engine/early_stopping.h"

#include <algorithm>

namespace studio::train {

bool EarlyStopping::update(std::optional<double> regularMap, std::optional<double> emaMap) {
    std::optional<double> current;
    if (regularMap && emaMap)
        current = m_useEma ? *emaMap : std::max(*regularMap, *emaMap);
    else if (emaMap)
        current = emaMap;
    else if (regularMap)
        current = regularMap;
    if (!current) return false;
    if (*current > m_best + m_minDelta) {
        m_best = *current;
        m_counter = 0;
    } else {
        ++m_counter;
    }
    return triggered();
}

nlohmann::json EarlyStopping::toJson() const {
    return {{"best", m_best}, {"counter", m_counter}, {"patience", m_patience}, {"min_delta", m_minDelta},
            {"use_ema", m_useEma}};
}

void EarlyStopping::restore(const nlohmann::json& j) {
    m_best = j.value("best", m_best);
    m_counter = j.value("counter", m_counter);
}

bool BestValue::offer(double v, int ep) {
    if (!(v > value)) return false;
    value = v;
    epoch = ep;
    return true;
}

bool BestMetrics::offer(double map, int epoch, bool isEma) {
    if (m_useEma) (isEma ? m_ema : m_regular).offer(map, epoch);
    return m_all.offer(map, epoch);
}

nlohmann::json BestMetrics::summary() const {
    if (!m_useEma) return {{"best_res", m_all.value}, {"best_ep", m_all.epoch}};
    return {{"all_best_res", m_all.value},         {"all_best_ep", m_all.epoch},
            {"regular_best_res", m_regular.value}, {"regular_best_ep", m_regular.epoch},
            {"ema_best_res", m_ema.value},         {"ema_best_ep", m_ema.epoch}};
}

nlohmann::json BestMetrics::toJson() const {
    auto one = [](const BestValue& b) { return nlohmann::json{{"value", b.value}, {"epoch", b.epoch}}; };
    return {{"use_ema", m_useEma}, {"all", one(m_all)}, {"regular", one(m_regular)}, {"ema", one(m_ema)}};
}

void BestMetrics::restore(const nlohmann::json& j) {
    auto one = [&j](const char* key, BestValue& b) {
        if (!j.contains(key)) return;
        b.value = j[key].value("value", b.value);
        b.epoch = j[key].value("epoch", b.epoch);
    };
    one("all", m_all);
    one("regular", m_regular);
    one("ema", m_ema);
}

}  // namespace studio::train
