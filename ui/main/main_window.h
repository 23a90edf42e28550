#pragma once
// The Studio's main window: a thin composition of the panels. Configuration and runs on the left, plots in
// the centre, the log below; menus, status bar, settings, and the rules for closing while a run is active.
#include <QMainWindow>
#include <QStringList>

#include "ui/main/app_settings.h"
#include "ui/process/trainer_locator.h"
#include "ui/process/trainer_process.h"

class QLabel;
class QSplitter;
class QTabWidget;

namespace studio::ui {

class ConfigPanel;
class GpuListModel;
class CompareView;
class PreviewPanel;
class HealthView;
class OomBanner;
class PlanRunner;
class TensorBoardLauncher;
struct PlanResult;
class LocalGpuMonitor;
class LogModel;
class LogPane;
class MetricStore;
class MonitorView;
class PresetListModel;
class RunConfigModel;
class RunController;
class RunListModel;
class RunPanel;
class RunsPanel;
enum class RunState;
enum class StartMode;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `factory` makes the trainer process (tests pass a fake); `trainerOverride` replaces the setting.
    explicit MainWindow(TrainerProcessFactory factory = realTrainerProcessFactory(),
                        const QString& trainerOverride = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    RunConfigModel* configModel() const { return m_model; }
    RunController* controller() const { return m_controller; }
    MetricStore* metrics() const { return m_store; }
    ConfigPanel* configPanel() const { return m_configPanel; }
    RunPanel* runPanel() const { return m_runPanel; }
    MonitorView* monitor() const { return m_monitor; }
    LogModel* logModel() const { return m_log; }
    OomBanner* oomBanner() const { return m_oomBanner; }
    HealthView* healthView() const { return m_health; }
    CompareView* compareView() const { return m_compare; }
    PreviewPanel* previewPanel() const { return m_preview; }
    PlanRunner* planRunner() const { return m_plan; }
    TensorBoardLauncher* tensorBoard() const { return m_tensorBoard; }
    const TrainerCheck& trainerCheck() const;

    /// Starts a run with the current configuration (Fresh) or --resume auto. Returns false after telling
    /// the user why. GUI thread.
    bool startRun(StartMode mode);
    /// Opens a run folder: loads its config into the form and replays/follows its events.
    bool openRun(const QString& dir);
    /// Re-attaches to the newest recent run that a trainer still holds (the Studio was closed with
    /// "leave it running"); returns false when there is none.
    bool reattachRunningRun();
    /// Sets the dataset as --dataset does.
    void setDataset(const QString& spec);
    void setOutputDir(const QString& dir);
    /// True once the trainer check and any dataset inspection have finished (screenshots wait for it).
    bool settled() const;
    /// Sets batch size and accumulation (the OOM suggestion) and resumes from the latest checkpoint.
    bool applyAndResume(int batchSize, int gradAccumSteps);
    /// Runs `rfdetr-train plan` for the current configuration (the calculator's Predict button).
    void predictMemory();
    /// Starts (or re-opens) TensorBoard for the shown run.
    void openTensorBoard();
    /// Shows the centre tab whose name (without its & shortcut, any case) starts with `name`; false when none.
    bool showTab(const QString& name);
    /// The centre tabs' names as showTab() takes them ("training", "gpus", "health", ...).
    QStringList tabNames() const;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void restoreSettings();
    void saveSettings();
    void onStateChanged(RunState state);
    void onTrainerChecked(const TrainerCheck& check);
    void chooseTrainer();
    void showAbout();
    void showMessage(const QString& text, int timeoutMs = 6000);
    void refreshRuns();
    void onPlanned(const PlanResult& plan);
    QString planKey() const;

    AppSettings m_settings;
    QString m_trainerOverride;
    RunConfigModel* m_model;
    PresetListModel* m_presets;
    GpuListModel* m_gpus;
    MetricStore* m_store;
    LogModel* m_log;
    RunController* m_controller;
    TrainerProbe* m_probe;
    LocalGpuMonitor* m_gpuMonitor;
    RunListModel* m_runs;
    PlanRunner* m_plan;
    TensorBoardLauncher* m_tensorBoard;
    OomBanner* m_oomBanner = nullptr;
    HealthView* m_health = nullptr;
    CompareView* m_compare = nullptr;
    PreviewPanel* m_preview = nullptr;
    bool m_previewDatasetTried = false;
    QString m_planFor;   // planKey() of the shown prediction
    ConfigPanel* m_configPanel = nullptr;
    RunPanel* m_runPanel = nullptr;
    RunsPanel* m_runsPanel = nullptr;
    MonitorView* m_monitor = nullptr;
    LogPane* m_logPane = nullptr;
    QTabWidget* m_leftTabs = nullptr;
    QSplitter* m_hsplit = nullptr;
    QSplitter* m_vsplit = nullptr;
    QLabel* m_statusState = nullptr;
    bool m_closeAfterStop = false;
    bool m_runEmitsGpu = false;
};

}  // namespace studio::ui
