#pragma once
// The Runs tab: recent run folders with status and best mAP; opening one shows its curves.
#include <QWidget>

class QTableView;

namespace studio::ui {

class RunListModel;

class RunsPanel : public QWidget {
    Q_OBJECT
public:
    RunsPanel(RunListModel* model, QWidget* parent = nullptr);

signals:
    void openRequested(const QString& dir);
    void forgetRequested(const QString& dir);

private:
    RunListModel* m_model;
    QTableView* m_view;
};

}  // namespace studio::ui
