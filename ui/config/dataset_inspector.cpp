#include "ui/config/dataset_inspector.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLocale>
#include <QPointer>
#include <QThreadPool>
#include "base/coco/coco_dataset.h"
#include "base/coco/coco_index.h"
#include "base/demo/demo_dataset.h"
#include "base/config/validate.h"

namespace studio::ui {

namespace {

Problem datasetProblem(const QString& value, const QString& message, const QString& fix) {
    return {Severity::Error, "dataset", value.toStdString(), message.toStdString(), fix.toStdString()};
}

}  // namespace

SplitSummary countCocoSplit(const QString& annotationFile, const QString& name) {
    SplitSummary s;
    s.name = name;
    s.present = QFileInfo::exists(annotationFile);
    try {
        const CocoIndex index = CocoIndex::load(annotationFile.toStdString(), &s.issues);
        s.images = static_cast<long long>(index.numImages());
        s.boxes = static_cast<long long>(index.numBoxes());
        for (const auto& c : index.categories()) s.categories << QString::fromStdString(c.name);
        const ClassList classes = classListFromCategories(index.categories());
        for (const auto& n : classes.names) s.classes << QString::fromStdString(n);
        s.classLogits = classes.numLogits;
    } catch (const std::exception& e) {
        s.error = QString::fromStdString(e.what());
        s.images = s.boxes = -1;
    }
    if (s.error.isEmpty() && s.images == 0 && s.boxes == 0 && !s.issues.empty() && hasErrors(s.issues)) {
        // Nothing usable was read: the first structural problem says why.
        s.error = QString::fromStdString(s.issues.front().toString());
    }
    return s;
}

DatasetSummary inspectDataset(const QString& spec) {
    DatasetSummary d;
    d.spec = spec;
    const QLocale loc;
    if (spec.trimmed().isEmpty()) {
        d.text = QObject::tr("No dataset chosen");
        return d;
    }
    if (spec == QLatin1String("demo")) {
        d.kind = DatasetSummary::Kind::Demo;
        d.text = QObject::tr("Built-in demo: synthetic form pages (text fields, checkboxes, signatures), generated "
                             "by the trainer on first use");
        return d;
    }
    if (spec.startsWith(QLatin1String("hf:"))) {
        d.kind = DatasetSummary::Kind::Hub;
        if (!isHubDatasetSpec(spec.toStdString()))
            d.problems.push_back(datasetProblem(spec, QObject::tr("is not a Hugging Face dataset name"),
                                                QObject::tr("write hf:<owner>/<name>[@revision], e.g. hf:jbarrow/CommonForms")));
        d.text = QObject::tr("Hugging Face dataset %1: downloaded and checked by the trainer into the cache (a "
                             "token is needed for private or gated datasets)").arg(spec.mid(3));
        return d;
    }
    d.kind = DatasetSummary::Kind::Folder;
    const QFileInfo root(spec);
    if (!root.exists() || !root.isDir()) {
        d.text.clear();  // validateRunConfig reports what is wrong with the path
        return d;
    }
    auto split = [&](const QString& name) {
        const QString file = root.absoluteFilePath() + QLatin1Char('/') + name + QStringLiteral("/_annotations.coco.json");
        if (!QFileInfo::exists(file)) {
            SplitSummary s;
            s.name = name;
            return s;
        }
        return countCocoSplit(file, name);
    };
    d.train = split(QStringLiteral("train"));
    d.valid = split(QStringLiteral("valid"));
    d.test = split(QStringLiteral("test"));
    const QString layoutFix = QObject::tr("choose the folder that holds train/ and valid/, each with "
                                          "_annotations.coco.json (the Roboflow COCO export layout)");
    if (!d.train.present && !d.valid.present) {
        d.problems.push_back(datasetProblem(spec, QObject::tr("is not a COCO dataset folder: no "
                                                              "train/_annotations.coco.json or valid/_annotations.coco.json"),
                                            layoutFix));
    } else {
        for (const SplitSummary* s : {&d.train, &d.valid}) {
            if (!s->present)
                d.problems.push_back(datasetProblem(spec, QObject::tr("has no %1/_annotations.coco.json").arg(s->name), layoutFix));
        }
    }
    constexpr size_t kIssuesShown = 3;  // the trainer's validate-dataset lists them all
    for (const SplitSummary* s : {&d.train, &d.valid, &d.test}) {
        if (s->error.isEmpty()) {
            for (size_t i = 0; i < s->issues.size() && i < kIssuesShown; ++i) {
                Problem p = s->issues[i];
                p.message = p.field + ": " + p.message;
                p.field = "dataset";
                d.problems.push_back(std::move(p));
            }
            if (s->issues.size() > kIssuesShown)
                d.problems.push_back({Severity::Warning, "dataset", spec.toStdString(),
                                      QObject::tr("%1/_annotations.coco.json has %2 more problems").arg(s->name).arg(s->issues.size() - kIssuesShown).toStdString(),
                                      "run rfdetr-train validate-dataset on the folder for the full list"});
        }
        if (!s->error.isEmpty())
            d.problems.push_back(datasetProblem(spec, s->error, QObject::tr("re-export the dataset or fix the file")));
        else if (s->present && s->images == 0)
            d.problems.push_back(datasetProblem(spec, QObject::tr("%1 split has no images").arg(s->name),
                                                QObject::tr("check the export: the %1 annotation file lists no images").arg(s->name)));
    }
    QStringList parts;
    for (const SplitSummary* s : {&d.train, &d.valid, &d.test}) {
        if (s->present && s->error.isEmpty())
            parts << QObject::tr("%1 %2 images, %3 boxes").arg(s->name, loc.toString(s->images), loc.toString(s->boxes));
    }
    const QStringList& cats = d.train.classes.isEmpty() ? d.valid.classes : d.train.classes;
    if (!cats.isEmpty())
        parts << (cats.size() == 1 ? QObject::tr("1 class: %1") : QObject::tr("%1 classes: %2").arg(cats.size()))
                     .arg(cats.join(QStringLiteral(", ")));
    d.text = parts.isEmpty() ? QObject::tr("No readable splits") : parts.join(QStringLiteral(" · "));
    return d;
}

int DatasetSummary::classLogits() const {
    if (kind == Kind::Demo) return kDemoClassLogits;
    return train.classLogits > 0 ? train.classLogits : valid.classLogits;
}

int DatasetSummary::classCount() const {
    if (kind == Kind::Demo) return kDemoClassLogits - 1;
    return static_cast<int>(train.classLogits > 0 ? train.classes.size() : valid.classes.size());
}

DatasetInspector::DatasetInspector(QObject* parent) : QObject(parent) {
    qRegisterMetaType<studio::ui::DatasetSummary>("studio::ui::DatasetSummary");
}

void DatasetInspector::inspect(const QString& spec) {
    const quint64 generation = ++m_generation;
    ++m_pending;
    QPointer<DatasetInspector> self(this);
    QThreadPool::globalInstance()->start([self, spec, generation] {
        DatasetSummary summary = inspectDataset(spec);
        // Delivered through the application object (it outlives every inspector); `self` is only read on
        // the GUI thread.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, summary = std::move(summary), generation] {
                if (!self) return;
                --self->m_pending;
                if (generation == self->m_generation) emit self->inspected(summary);
            },
            Qt::QueuedConnection);
    });
}

}  // namespace studio::ui
