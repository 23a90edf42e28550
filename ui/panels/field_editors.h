#pragma once
// Form rows generated from the field table: a label, an editor chosen by the field's type (spin box, line
// edit, combo box, check box), the field's help as tooltip, and an inline message under the editor that
// shows the field's problems. Rows write through RunConfigModel::setFieldText on every keystroke and
// refresh from the model when it changes elsewhere (presets, opening a run) unless the user is typing.
#include <QList>
#include <QString>
#include <QWidget>

class QFormLayout;
class QLabel;

namespace studio {
struct ConfigField;
}

namespace studio::ui {

class RunConfigModel;

/// The label users read for a field key ("Batch size per GPU").
QString fieldTitle(const QString& key);
/// Tooltip: help text plus the CLI flag and environment variable that set the same value.
QString fieldToolTip(const ConfigField& field);

/// One editable field: the editor widget plus its inline problem label.
class FieldRow : public QObject {
    Q_OBJECT
public:
    /// Creates the editor for `key` (parented to `parent`) and connects it to `model`.
    FieldRow(const QString& key, RunConfigModel* model, QWidget* parent);
    /// A row around an editor made elsewhere; `refresh` pulls the model value into it.
    FieldRow(const QString& key, QWidget* editor, RunConfigModel* model, QWidget* parent);

    QString key() const { return m_key; }
    QWidget* editor() const { return m_editor; }
    QLabel* problemLabel() const { return m_problem; }
    /// Adds "title: editor" and the problem line to `form`.
    void addTo(QFormLayout* form, const QString& title = {});
    /// Pulls the model's value into the editor (skipped while the editor has focus).
    void refresh();
    void showProblems();

private:
    void init(QWidget* parent);
    QString m_key;
    RunConfigModel* m_model;
    QWidget* m_editor = nullptr;
    QLabel* m_problem = nullptr;
};

}  // namespace studio::ui
