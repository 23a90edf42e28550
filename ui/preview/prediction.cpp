#include "ui/preview/prediction.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/coco/coco_index.h"
#include "base/demo/demo_dataset.h"
#include "base/util/cache_dir.h"
#include "base/util/problem.h"

namespace studio::ui {

std::optional<Prediction> parsePredictJson(const QByteArray& bytes, QString* error) {
    const int start = bytes.indexOf('{');
    const int end = bytes.lastIndexOf('}');
    const auto j = start >= 0 && end > start ? nlohmann::json::parse(bytes.constData() + start, bytes.constData() + end + 1, nullptr, false)
                                             : nlohmann::json();
    if (!j.is_object() || !j.contains("detections") || !j["detections"].is_array()) {
        if (error) *error = QObject::tr("rfdetr-train predict printed no detections JSON (is it older than this Studio?)");
        return std::nullopt;
    }
    Prediction p;
    p.image = QString::fromStdString(j.value("image", std::string()));
    p.width = j.value("width", 0);
    p.height = j.value("height", 0);
    p.device = QString::fromStdString(j.value("device", std::string()));
    p.milliseconds = j.value("milliseconds", 0.0);
    p.threshold = j.value("threshold", 0.0);
    for (const auto& d : j["detections"]) {
        const auto& b = d.value("box_xyxy", nlohmann::json::array());
        if (!b.is_array() || b.size() != 4) continue;
        PreviewBox box;
        box.classId = d.value("class_id", 0);
        box.className = QString::fromStdString(d.value("class_name", std::string()));
        box.score = d.value("score", 0.0);
        box.box = QRectF(QPointF(b[0].get<double>(), b[1].get<double>()), QPointF(b[2].get<double>(), b[3].get<double>()));
        p.boxes.push_back(box);
    }
    std::sort(p.boxes.begin(), p.boxes.end(), [](const PreviewBox& a, const PreviewBox& b) { return a.score > b.score; });
    return p;
}

QColor classColor(int id) {
    static const QColor kPalette[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115), QColor(204, 121, 167),
                                      QColor(230, 159, 0), QColor(86, 180, 233), QColor(120, 80, 30), QColor(90, 90, 90)};
    if (id >= 0 && id < 8) return kPalette[id];
    return QColor::fromHsv((id * 47) % 360, 200, 200);
}

QStringList checkpointsIn(const QString& runDir) {
    QStringList files = QDir(runDir).entryList({QStringLiteral("*.pth")}, QDir::Files);
    auto rank = [](const QString& f) {
        if (f == QLatin1String("checkpoint.pth")) return 0;
        if (f.contains(QLatin1String("best_ema"))) return 1;
        if (f.contains(QLatin1String("best"))) return 2;
        return 3;
    };
    std::stable_sort(files.begin(), files.end(), [&](const QString& a, const QString& b) {
        return rank(a) != rank(b) ? rank(a) < rank(b) : a > b;  // periodic: newest epoch first
    });
    for (QString& f : files) f = QDir(runDir).filePath(f);
    return files;
}

QString localDatasetDir(const RunConfig& config) {
    if (config.dataset == "demo") {
        try {
            const QString dir = QString::fromStdString(demoDatasetDir(config.cacheDir));
            return QFileInfo::exists(dir + QStringLiteral("/valid")) ? dir : QString();
        } catch (const std::exception&) {
            return {};
        }
    }
    const QString d = QString::fromStdString(config.dataset);
    return QFileInfo(d).isDir() ? QDir(d).absolutePath() : QString();
}

ValidSplit::ValidSplit() = default;
ValidSplit::~ValidSplit() = default;

bool ValidSplit::load(const QString& datasetDir, QString* error) {
    const QString json = QDir(datasetDir).filePath(QStringLiteral("valid/_annotations.coco.json"));
    if (!QFileInfo::exists(json)) {
        if (error) *error = QObject::tr("%1 does not exist: choose a COCO dataset folder with a valid/ split, or add image files").arg(json);
        return false;
    }
    std::vector<Problem> problems;
    try {
        m_index = std::make_unique<CocoIndex>(CocoIndex::load(json.toStdString(), &problems));
    } catch (const std::exception& e) {
        m_index.reset();
        if (error) *error = QObject::tr("Could not read %1: %2").arg(json, QString::fromStdString(e.what()));
        return false;
    }
    if (m_index->numImages() == 0) {
        if (error)
            *error = problems.empty() ? QObject::tr("%1 lists no images").arg(json)
                                      : QString::fromStdString(formatProblems(problems)).trimmed();
        m_index.reset();
        return false;
    }
    m_dir = QFileInfo(json).absolutePath();
    return true;
}

QStringList ValidSplit::imagePaths() const {
    QStringList out;
    if (!m_index) return out;
    for (std::size_t i = 0; i < m_index->numImages(); ++i)
        out << QDir(m_dir).filePath(QString::fromUtf8(m_index->fileName(i).data(), static_cast<int>(m_index->fileName(i).size())));
    return out;
}

std::optional<std::vector<PreviewBox>> ValidSplit::groundTruth(const QString& imagePath) const {
    if (!m_index) return std::nullopt;
    const QFileInfo fi(imagePath);
    if (QDir(fi.absolutePath()) != QDir(m_dir)) return std::nullopt;
    for (std::size_t i = 0; i < m_index->numImages(); ++i) {
        const auto name = m_index->fileName(i);
        if (QString::fromUtf8(name.data(), static_cast<int>(name.size())) != fi.fileName()) continue;
        std::vector<PreviewBox> out;
        for (const CocoBox& b : m_index->boxes(i)) {
            PreviewBox pb;
            pb.classId = b.categoryId;
            for (const auto& c : m_index->categories()) {
                if (c.id == b.categoryId) pb.className = QString::fromStdString(c.name);
            }
            pb.box = QRectF(b.x, b.y, b.w, b.h);
            out.push_back(pb);
        }
        return out;
    }
    return std::nullopt;
}

}  // namespace studio::ui
