#include "ui/panels/field_editors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>

#include "base/config/config_fields.h"
#include "ui/config/run_config_model.h"

namespace studio::ui {

QString fieldTitle(const QString& key) {
    static const QHash<QString, QString> titles = {
        {"dataset", QObject::tr("Dataset")},
        {"cache_dir", QObject::tr("Cache folder")},
        {"num_workers", QObject::tr("Data workers")},
        {"model_size", QObject::tr("Model size")},
        {"resolution", QObject::tr("Resolution (px)")},
        {"pretrain_weights", QObject::tr("Start from weights")},
        {"num_queries", QObject::tr("Queries")},
        {"group_detr", QObject::tr("Query groups")},
        {"batch_size", QObject::tr("Batch size per GPU")},
        {"grad_accum_steps", QObject::tr("Gradient accumulation")},
        {"num_gpus", QObject::tr("GPU count")},
        {"gpu_ids", QObject::tr("GPU indices")},
        {"nproc_per_node", QObject::tr("Processes per node")},
        {"device", QObject::tr("Device")},
        {"amp", QObject::tr("Mixed precision")},
        {"epochs", QObject::tr("Epochs")},
        {"lr", QObject::tr("Learning rate")},
        {"lr_encoder", QObject::tr("Encoder learning rate")},
        {"lr_vit_layer_decay", QObject::tr("ViT layer decay")},
        {"lr_component_decay", QObject::tr("Component decay")},
        {"weight_decay", QObject::tr("Weight decay")},
        {"clip_max_norm", QObject::tr("Gradient clip norm")},
        {"lr_scheduler", QObject::tr("LR schedule")},
        {"lr_drop", QObject::tr("LR drop epoch")},
        {"warmup_epochs", QObject::tr("Warm-up epochs")},
        {"lr_min_factor", QObject::tr("Cosine floor")},
        {"multi_scale", QObject::tr("Multi-scale training")},
        {"expanded_scales", QObject::tr("Expanded scales")},
        {"use_ema", QObject::tr("EMA weights")},
        {"ema_decay", QObject::tr("EMA decay")},
        {"ema_tau", QObject::tr("EMA warm-up (steps)")},
        {"early_stopping", QObject::tr("Early stopping")},
        {"early_stopping_patience", QObject::tr("Patience (epochs)")},
        {"early_stopping_min_delta", QObject::tr("Minimum mAP gain")},
        {"early_stopping_use_ema", QObject::tr("Judge on EMA")},
        {"output_dir", QObject::tr("Output folder")},
        {"checkpoint_interval", QObject::tr("Checkpoint every (epochs)")},
        {"eval_interval", QObject::tr("Evaluate every (epochs)")},
        {"max_steps", QObject::tr("Stop after steps")},
        {"seed", QObject::tr("Seed")},
        {"tensorboard", QObject::tr("TensorBoard scalars")},
        {"keep_effective_batch", QObject::tr("Keep effective batch on resume")},
        {"dist_timeout_s", QObject::tr("Rank timeout (s)")},
        {"grad_compression", QObject::tr("Gradient all-reduce precision")},
        {"hf_token", QObject::tr("Hugging Face token")},
        {"hf_username", QObject::tr("Hugging Face user")},
        {"push_to_hub", QObject::tr("Push to the Hub")},
        {"hub_repo", QObject::tr("Model repository")},
        {"log_level", QObject::tr("Log level")},
    };
    const auto it = titles.constFind(key);
    if (it != titles.cend()) return *it;
    QString t = key;
    t.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!t.isEmpty()) t[0] = t[0].toUpper();
    return t;
}

QString fieldToolTip(const ConfigField& f) {
    QString tip = QStringLiteral("<p>%1</p>").arg(QString::fromStdString(f.help).toHtmlEscaped());
    QStringList ways;
    if (!f.flag.empty()) ways << QStringLiteral("<code>%1</code>").arg(QString::fromStdString(f.flag));
    if (!f.envVar.empty()) ways << QStringLiteral("<code>%1</code>").arg(QString::fromStdString(f.envVar));
    ways << QStringLiteral("<code>\"%1\"</code> in config.json").arg(QString::fromStdString(f.key));
    tip += QStringLiteral("<p style='color:#666'>%1</p>").arg(QObject::tr("rfdetr-train: %1").arg(ways.join(QStringLiteral(", "))));
    return tip;
}

namespace {

QWidget* makeEditor(const ConfigField& f, QWidget* parent) {
    switch (f.type) {
        case FieldType::Bool: return new QCheckBox(parent);
        case FieldType::Choice: {
            auto* c = new QComboBox(parent);
            for (const auto& choice : f.choices) c->addItem(QString::fromStdString(choice));
            return c;
        }
        case FieldType::Int:
            // seed: 64-bit; resolution: empty means the size's default. Both are typed, not spun.
            if (f.key != "seed" && f.key != "resolution") {
                auto* s = new QSpinBox(parent);
                // Wide range on purpose: out-of-range values are explained inline, not silently clamped.
                s->setRange(-1, 1000000000);
                s->setAccelerated(true);
                return s;
            }
            [[fallthrough]];
        default: {
            auto* e = new QLineEdit(parent);
            e->setPlaceholderText(QString::fromStdString(f.example));
            if (f.secret) e->setEchoMode(QLineEdit::Password);
            return e;
        }
    }
}

}  // namespace

FieldRow::FieldRow(const QString& key, RunConfigModel* model, QWidget* parent)
    : QObject(parent), m_key(key), m_model(model) {
    const ConfigField* f = findFieldByKey(key.toStdString());
    Q_ASSERT(f);
    m_editor = makeEditor(*f, parent);
    if (auto* e = qobject_cast<QLineEdit*>(m_editor); e && key == QLatin1String("resolution"))
        e->setPlaceholderText(tr("size default"));
    init(parent);
}

FieldRow::FieldRow(const QString& key, QWidget* editor, RunConfigModel* model, QWidget* parent)
    : QObject(parent), m_key(key), m_model(model), m_editor(editor) {
    init(parent);
}

void FieldRow::init(QWidget* parent) {
    m_editor->setObjectName(QStringLiteral("field_") + m_key);
    if (const ConfigField* f = findFieldByKey(m_key.toStdString())) m_editor->setToolTip(fieldToolTip(*f));
    m_problem = new QLabel(parent);
    m_problem->setObjectName(QStringLiteral("problem_") + m_key);
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setStyleSheet(QStringLiteral("color: #c62828; font-size: small;"));
    m_problem->setVisible(false);

    auto write = [this](const QString& text) { m_model->setFieldText(m_key, text); };
    if (auto* s = qobject_cast<QSpinBox*>(m_editor)) {
        connect(s, &QSpinBox::textChanged, this, [this, s, write] {
            // The spin box text as typed, so that "" or "-" is reported rather than ignored.
            write(s->cleanText());
        });
    } else if (auto* e = qobject_cast<QLineEdit*>(m_editor)) {
        connect(e, &QLineEdit::textEdited, this, write);
    } else if (auto* c = qobject_cast<QComboBox*>(m_editor)) {
        connect(c, &QComboBox::currentTextChanged, this, [this, c, write] {
            if (!c->signalsBlocked()) write(c->currentData().isValid() ? c->currentData().toString() : c->currentText());
        });
    } else if (auto* b = qobject_cast<QCheckBox*>(m_editor)) {
        connect(b, &QCheckBox::toggled, this, [write](bool on) { write(on ? QStringLiteral("true") : QStringLiteral("false")); });
    }
    connect(m_model, &RunConfigModel::changed, this, &FieldRow::refresh);
    connect(m_model, &RunConfigModel::problemsChanged, this, &FieldRow::showProblems);
    refresh();
    showProblems();
}

void FieldRow::addTo(QFormLayout* form, const QString& title) {
    auto* label = new QLabel(title.isEmpty() ? fieldTitle(m_key) : title);
    label->setBuddy(m_editor);
    label->setToolTip(m_editor->toolTip());
    form->addRow(label, m_editor);
    form->addRow(QString(), m_problem);
}

void FieldRow::refresh() {
    if (m_editor->hasFocus() && !qobject_cast<QCheckBox*>(m_editor) && !qobject_cast<QComboBox*>(m_editor)) return;
    const QString text = m_model->fieldText(m_key);
    const QSignalBlocker block(m_editor);
    if (auto* s = qobject_cast<QSpinBox*>(m_editor)) {
        bool ok = false;
        const int v = text.toInt(&ok);
        if (ok && (s->value() != v || s->cleanText() != text)) s->setValue(v);
    } else if (auto* e = qobject_cast<QLineEdit*>(m_editor)) {
        if (e->text() != text) e->setText(text);
    } else if (auto* c = qobject_cast<QComboBox*>(m_editor)) {
        int i = c->findData(text);
        if (i < 0) i = c->findText(text);
        if (i >= 0 && i != c->currentIndex()) c->setCurrentIndex(i);
    } else if (auto* b = qobject_cast<QCheckBox*>(m_editor)) {
        b->setChecked(text == QLatin1String("true"));
    }
}

void FieldRow::showProblems() {
    const QStringList problems = m_model->problemsFor(m_key);
    m_problem->setText(problems.join(QLatin1Char('\n')));
    m_problem->setVisible(!problems.isEmpty());
    const bool invalid = !problems.isEmpty();
    if (m_editor->property("invalid").toBool() != invalid) {
        m_editor->setProperty("invalid", invalid);
        // A tinted background through the palette keeps the style's own frame and arrows intact.
        QPalette pal = m_editor->parentWidget() ? m_editor->parentWidget()->palette() : QPalette();
        if (invalid) {
            pal.setColor(QPalette::Base, QColor(0xfd, 0xec, 0xea));
            pal.setColor(QPalette::Button, QColor(0xfd, 0xec, 0xea));
        }
        m_editor->setPalette(pal);
    }
}

}  // namespace studio::ui
