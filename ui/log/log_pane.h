#pragma once
// The log pane: the trainer's stderr, relayed log/error events and the Studio's own messages, filtered
// by minimum level and text; follows the newest line while scrolled to the bottom.
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;

namespace studio::ui {

class LogFilterModel;
class LogModel;

class LogPane : public QWidget {
    Q_OBJECT
public:
    LogPane(LogModel* model, QWidget* parent = nullptr);
    LogFilterModel* filter() const { return m_filter; }
    /// "N malformed event lines ignored" (0 hides the note).
    void setMalformedCount(int count);
    void setMinimumLevelName(const QString& name);
    QString minimumLevelName() const;

signals:
    void minimumLevelChanged(const QString& name);

private:
    LogModel* m_model;
    LogFilterModel* m_filter;
    QListView* m_view;
    QComboBox* m_level;
    QLineEdit* m_search;
    QLabel* m_malformed;
};

}  // namespace studio::ui
