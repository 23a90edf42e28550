#pragma once
// One run folder read for comparison: its config (config.json, else the hello event's) and its curves
// from events.jsonl (rank 0's training loss per step, validation mAP per epoch), or from rfdetr's log.txt
// (one JSON line per epoch: train_loss, test_coco_eval_bbox, ema_test_coco_eval_bbox) when there are no
// events. X values are epochs (fractional within an epoch) so runs with different batch sizes line up.
#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::ui {

struct RunCurve {
    QVector<double> x, y;
};

struct RunHistory {
    QString dir;
    QString name;               // folder name, made unique by compareRuns
    nlohmann::json config;      // object; empty when neither config.json nor a hello event
    RunCurve loss;              // training loss (total), x in epochs
    RunCurve map, emaMap;       // mAP 50:95 at the end of each epoch (x = epoch count from 1)
    QString source;             // "events.jsonl" or "log.txt"
    QString error;              // why nothing could be read ("" = ok)
    int malformedLines = 0;
};

/// Reads a run folder. Never throws; problems land in `error`. Any thread.
RunHistory loadRunHistory(const QString& dir);

struct ConfigRow {
    QString key;
    QStringList values;         // one per run ("" = not set)
    bool differs = false;
};

/// The union of the runs' config keys, one row each, in key order; `differs` when the values are not all
/// equal. output_dir and resume never count as differences (they always differ). Any thread.
std::vector<ConfigRow> compareConfigs(const std::vector<RunHistory>& runs);

}  // namespace studio::ui
