#include "ui/main/main_window.h"

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "base/config/config_loader.h"
#include "base/run/run_folder.h"
#include "studio_version.h"
#include "ui/config/presets.h"
#include "ui/config/run_config_model.h"
#include "ui/compare/compare_view.h"
#include "ui/gpu/gpu_list_model.h"
#include "ui/health/health_view.h"
#include "ui/gpu/local_gpu_monitor.h"
#include "ui/log/log_model.h"
#include "ui/log/log_pane.h"
#include "ui/main/about_dialog.h"
#include "ui/panels/config_panel.h"
#include "ui/panels/dataset_picker.h"
#include "ui/panels/oom_banner.h"
#include "ui/panels/run_panel.h"
#include "ui/plots/metric_store.h"
#include "ui/preview/prediction.h"
#include "ui/preview/preview_panel.h"
#include "ui/plots/monitor_view.h"
#include "ui/process/oom_suggestion.h"
#include "ui/process/plan_runner.h"
#include "ui/process/run_controller.h"
#include "ui/process/tensorboard_launcher.h"
#include "ui/runs/run_list_model.h"
#include "ui/runs/runs_panel.h"

namespace studio::ui {

MainWindow::MainWindow(TrainerProcessFactory factory, const QString& trainerOverride, QWidget* parent)
    : QMainWindow(parent),
      m_trainerOverride(trainerOverride),
      m_model(new RunConfigModel(this)),
      m_presets(new PresetListModel(this)),
      m_gpus(new GpuListModel(scanLocalGpus, this)),
      m_store(new MetricStore(this)),
      m_log(new LogModel(50000, this)),
      m_controller(new RunController(factory, this)),
      m_probe(new TrainerProbe(this)),
      m_gpuMonitor(new LocalGpuMonitor(scanLocalGpus, this)),
      m_runs(new RunListModel(this)),
      m_plan(new PlanRunner(factory, this)),
      m_tensorBoard(new TensorBoardLauncher(factory, this)) {
    setWindowTitle(tr("RF-DETR Studio"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));
    if (!m_presets->load()) showMessage(m_presets->lastError(), 15000);
    if (auto last = m_settings.lastConfig()) m_model->setConfig(*last);
    if (m_model->config().outputDir == defaultRunConfig().outputDir) {
        // The trainer's default ("output", relative) means nothing in a desktop app: use a real folder.
        m_model->setFieldText(QStringLiteral("output_dir"), QString());
    }

    // Left: configuration (scrolls) and runs, with the run buttons always visible below.
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_leftTabs = new QTabWidget(left);
    m_configPanel = new ConfigPanel(m_model, m_presets, m_gpus, m_leftTabs);
    auto* scroll = new QScrollArea(m_leftTabs);
    scroll->setWidget(m_configPanel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    m_leftTabs->addTab(scroll, tr("&Configure"));
    m_runsPanel = new RunsPanel(m_runs, m_leftTabs);
    m_leftTabs->addTab(m_runsPanel, tr("R&uns"));
    leftLayout->addWidget(m_leftTabs, 1);
    m_oomBanner = new OomBanner(left);
    leftLayout->addWidget(m_oomBanner);
    m_runPanel = new RunPanel(m_model, m_controller, left);
    leftLayout->addWidget(m_runPanel);
    if (m_model->config().outputDir.empty())
        m_model->setFieldText(QStringLiteral("output_dir"), m_configPanel->suggestNewOutputFolder());

    m_monitor = new MonitorView(m_store, this);
    m_health = new HealthView(m_monitor);
    m_monitor->tabs()->addTab(m_health, tr("&Health"));
    m_preview = new PreviewPanel(factory, m_monitor);
    m_monitor->tabs()->addTab(m_preview, tr("&Preview"));
    connect(m_preview, &PreviewPanel::message, this, [this](const QString& t) { showMessage(t, 10000); });
    connect(m_monitor->tabs(), &QTabWidget::currentChanged, this, [this] {
        if (m_monitor->tabs()->currentWidget() != m_preview) return;
        // Checkpoints appear as the run trains: list them whenever the tab is shown.
        const QString dir = m_controller->runDir().isEmpty() ? QString::fromStdString(m_model->config().outputDir) : m_controller->runDir();
        m_preview->setRunDir(dir);
        if (!m_previewDatasetTried) {
            m_previewDatasetTried = true;
            if (const QString ds = localDatasetDir(m_model->config()); !ds.isEmpty()) m_preview->setDatasetDir(ds);
        }
    });
    m_compare = new CompareView(m_monitor);
    m_monitor->tabs()->addTab(m_compare, tr("C&ompare"));
    connect(m_compare, &CompareView::message, this, [this](const QString& t) { showMessage(t, 10000); });
    auto* tbButton = new QPushButton(QIcon(), tr("TensorBoard"), m_monitor);
    tbButton->setObjectName(QStringLiteral("tensorBoardButton"));
    tbButton->setToolTip(tr("Start TensorBoard on this run's <run>/tb (port 6006 or the next free one) and open it"));
    tbButton->setCheckable(false);
    m_monitor->tabs()->setCornerWidget(tbButton, Qt::TopRightCorner);
    connect(tbButton, &QPushButton::clicked, this, &MainWindow::openTensorBoard);
    connect(m_tensorBoard, &TensorBoardLauncher::message, this, [this](const QString& t) { showMessage(t, 10000); });
    connect(m_tensorBoard, &TensorBoardLauncher::runningChanged, tbButton, [tbButton](bool on) {
        tbButton->setText(on ? QObject::tr("TensorBoard ●") : QObject::tr("TensorBoard"));
    });
    m_logPane = new LogPane(m_log, this);
    m_vsplit = new QSplitter(Qt::Vertical, this);
    m_vsplit->addWidget(m_monitor);
    m_vsplit->addWidget(m_logPane);
    m_vsplit->setStretchFactor(0, 4);
    m_vsplit->setStretchFactor(1, 1);
    m_hsplit = new QSplitter(Qt::Horizontal, this);
    m_hsplit->addWidget(left);
    m_hsplit->addWidget(m_vsplit);
    m_hsplit->setStretchFactor(0, 0);
    m_hsplit->setStretchFactor(1, 1);
    m_hsplit->setSizes({480, 1120});
    m_vsplit->setSizes({720, 220});
    setCentralWidget(m_hsplit);
    m_statusState = new QLabel(this);
    statusBar()->addPermanentWidget(m_statusState);
    buildMenus();

    connect(m_configPanel, &ConfigPanel::message, this, [this](const QString& t) { showMessage(t); });
    connect(m_runPanel, &RunPanel::startRequested, this, [this] { startRun(StartMode::Fresh); });
    connect(m_runPanel, &RunPanel::resumeRequested, this, [this] { startRun(StartMode::ResumeAuto); });
    connect(m_runsPanel, &RunsPanel::openRequested, this, &MainWindow::openRun);
    connect(m_runsPanel, &RunsPanel::forgetRequested, this, [this](const QString& dir) {
        m_settings.removeRecentRun(dir);
        refreshRuns();
    });
    connect(m_controller, &RunController::runReset, m_store, [this](const QString& dir) {
        m_store->clear();
        m_health->clear();
        m_oomBanner->showAdvice(std::nullopt);
        m_runEmitsGpu = false;
        m_previewDatasetTried = false;
        m_preview->setRunDir(dir);
        m_tensorBoard->runShown(dir);
    });
    connect(m_oomBanner, &OomBanner::applyRequested, this, &MainWindow::applyAndResume);
    connect(m_configPanel, &ConfigPanel::predictRequested, this, [this] {
        if (m_plan->busy()) {
            m_plan->cancel();
            m_configPanel->setPredicting(false);
            m_configPanel->setMemoryEstimate(tr("Prediction cancelled."));
        } else {
            predictMemory();
        }
    });
    connect(m_plan, &PlanRunner::planned, this, &MainWindow::onPlanned);
    connect(m_configPanel, &ConfigPanel::memoryLinkActivated, this, [this](const QString& link) {
        const QStringList parts = link.split(QLatin1Char(':'));
        if (parts.size() != 3 || parts[0] != QLatin1String("split")) return;
        m_model->setFieldText(QStringLiteral("batch_size"), parts[1]);
        m_model->setFieldText(QStringLiteral("grad_accum_steps"), parts[2]);
    });
    connect(m_plan, &PlanRunner::failed, this, [this](const QString& msg) {
        m_configPanel->setPredicting(false);
        m_configPanel->setMemoryEstimate(msg, true);
    });
    connect(m_model, &RunConfigModel::changed, this, [this] {
        if (!m_planFor.isEmpty() && m_planFor != planKey()) {
            m_planFor.clear();
            m_configPanel->setMemoryEstimate(tr("The settings changed since the last prediction: press Predict again."));
        }
    });
    connect(m_controller, &RunController::eventsReceived, this, [this](const std::vector<Event>& events) {
        if (!m_runEmitsGpu) {
            for (const auto& e : events) {
                if (std::holds_alternative<GpuEvent>(e)) m_runEmitsGpu = true;
            }
            if (m_runEmitsGpu) m_gpuMonitor->setActive(false);  // the run reports its own GPUs
        }
        m_store->addEvents(events);
        m_health->addEvents(events);
        // The trainer writes train_batch0.png at the first step: enable "First training batch" then, without
        // waiting for the Preview tab to be shown again.
        if (!m_preview->hasTrainBatch()
            && std::any_of(events.begin(), events.end(), [](const Event& e) { return std::holds_alternative<StepEvent>(e); }))
            m_preview->refreshTrainBatch();
        for (const auto& e : events) {
            if (auto advice = oomSuggestionFrom(e)) m_oomBanner->showAdvice(advice);
        }
    });
    connect(m_controller, &RunController::logLines, m_log, &LogModel::append);
    connect(m_controller, &RunController::malformedLinesChanged, m_logPane, &LogPane::setMalformedCount);
    connect(m_controller, &RunController::stateChanged, this, &MainWindow::onStateChanged);
    connect(m_controller, &RunController::failed, this, [this](const QString& msg) {
        auto* box = new QMessageBox(QMessageBox::Critical, tr("Training failed"), msg.section(QLatin1Char('\n'), 0, 0),
                                    QMessageBox::Ok, this);
        box->setInformativeText(msg.section(QLatin1Char('\n'), 1));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();  // window-modal, not blocking: the GUI keeps running
    });
    connect(m_gpuMonitor, &LocalGpuMonitor::sampled, m_store, &MetricStore::addEvents);
    connect(m_probe, &TrainerProbe::checked, this, &MainWindow::onTrainerChecked);
    connect(m_logPane, &LogPane::minimumLevelChanged, this, [this](const QString& l) { m_settings.setLogLevel(l); });

    if (!m_gpus->hasGpus())
        m_monitor->setGpuNote(tr("No local GPU to sample (%1). GPU plots show a run's own GPU reports.")
                                  .arg(m_gpus->scan().error.isEmpty() ? tr("NVML lists none") : m_gpus->scan().error));
    m_gpuMonitor->setActive(true);
    restoreSettings();
    refreshRuns();
    m_controller->setStopGraceMs(m_settings.stopGraceS() * 1000);
    m_probe->check(m_trainerOverride.isEmpty() ? m_settings.trainerPath() : m_trainerOverride, QStringLiteral(STUDIO_VERSION));
    m_runPanel->setTrainerProblem(tr("Checking rfdetr-train…"));
    onStateChanged(m_controller->state());
}

MainWindow::~MainWindow() = default;

const TrainerCheck& MainWindow::trainerCheck() const { return m_probe->result(); }

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open run folder…"), QKeySequence::Open, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a run folder"));
        if (!dir.isEmpty()) openRun(dir);
    });
    file->addAction(tr("&Export plots as PNG…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export every plot into"));
        if (dir.isEmpty()) return;
        const QStringList files = m_monitor->exportAll(dir);
        showMessage(tr("Wrote %n plot(s) to %1", nullptr, int(files.size())).arg(dir));
    });
    file->addAction(tr("&Compare runs…"), this, [this] {
        if (!m_controller->runDir().isEmpty() && m_compare->runs().empty()) m_compare->addRun(m_controller->runDir());
        m_monitor->tabs()->setCurrentWidget(m_compare);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Start training"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { startRun(StartMode::Fresh); });
    run->addAction(tr("&Resume from latest EMA"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this,
                   [this] { startRun(StartMode::ResumeAuto); });
    run->addAction(tr("S&top (checkpoint, then exit)"), QKeySequence(Qt::CTRL | Qt::Key_Period), m_controller, &RunController::stop);

    QMenu* settings = menuBar()->addMenu(tr("&Settings"));
    settings->addAction(tr("&Trainer…"), this, &MainWindow::chooseTrainer);
    settings->addAction(tr("&Stop grace period…"), this, [this] {
        bool ok = false;
        const int s = QInputDialog::getInt(this, tr("Stop grace period"),
                                           tr("Seconds to wait for the final checkpoint before offering \"Kill now\":"),
                                           m_settings.stopGraceS(), 5, 3600, 5, &ok);
        if (!ok) return;
        m_settings.setStopGraceS(s);
        m_controller->setStopGraceMs(s * 1000);
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About RF-DETR Studio"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::showMessage(const QString& text, int timeoutMs) { statusBar()->showMessage(text, timeoutMs); }

void MainWindow::showAbout() {
    const TrainerCheck& c = m_probe->result();
    QString line = c.version.line;
    if (!c.ok()) line = c.error;
    AboutDialog dlg(line, this);
    dlg.exec();
}

void MainWindow::chooseTrainer() {
    const QString current = m_settings.trainerPath();
    QMessageBox box(QMessageBox::Question, tr("Trainer"),
                    tr("The Studio runs rfdetr-train %1.\nCurrently: %2").arg(QStringLiteral(STUDIO_VERSION),
                                                                             m_probe->result().path.isEmpty() ? m_probe->result().error : m_probe->result().path),
                    QMessageBox::Cancel, this);
    QPushButton* choose = box.addButton(tr("Choose file…"), QMessageBox::AcceptRole);
    QPushButton* automatic = box.addButton(tr("Find automatically"), QMessageBox::ResetRole);
    box.exec();
    if (box.clickedButton() == choose) {
        const QString f = QFileDialog::getOpenFileName(this, tr("rfdetr-train executable"), current);
        if (f.isEmpty()) return;
        m_settings.setTrainerPath(f);
    } else if (box.clickedButton() == automatic) {
        m_settings.setTrainerPath(QString());
    } else {
        return;
    }
    m_trainerOverride.clear();
    m_runPanel->setTrainerProblem(tr("Checking rfdetr-train…"));
    m_probe->check(m_settings.trainerPath(), QStringLiteral(STUDIO_VERSION));
}

void MainWindow::onTrainerChecked(const TrainerCheck& check) {
    m_runPanel->setTrainerProblem(check.error);
    m_controller->setTrainerPath(check.ok() ? check.path : QString());
    m_preview->setTrainerPath(check.ok() ? check.path : QString());
    if (check.ok())
        m_log->append({{0, LogLevel::Info, QStringLiteral("studio"), tr("Trainer: %1 (%2)").arg(check.version.line, check.path)}});
    else
        m_log->append({{0, LogLevel::Error, QStringLiteral("studio"), check.error}});
}

bool MainWindow::startRun(StartMode mode) {
    const QString blocked = m_runPanel->startBlockedReason();
    if (!blocked.isEmpty()) {
        QMessageBox::warning(this, tr("Cannot start"), blocked);
        return false;
    }
    if (mode == StartMode::ResumeAuto && !m_runPanel->resumePoint()) {
        QMessageBox::information(this, tr("Nothing to resume"), tr("The output folder holds no checkpoint with EMA state."));
        return false;
    }
    QString error;
    if (!m_controller->start(m_model->config(), mode, &error)) {
        if (mode == StartMode::Fresh && error.contains(QLatin1String("already holds a run"))) {
            QMessageBox box(QMessageBox::Warning, tr("Output folder in use"), error, QMessageBox::Cancel, this);
            QPushButton* fresh = box.addButton(tr("Use a new folder"), QMessageBox::AcceptRole);
            QPushButton* resume = m_runPanel->resumePoint() ? box.addButton(tr("Resume it"), QMessageBox::ActionRole) : nullptr;
            box.exec();
            if (box.clickedButton() == fresh) {
                m_model->setFieldText(QStringLiteral("output_dir"), m_configPanel->suggestNewOutputFolder());
                return startRun(StartMode::Fresh);
            }
            if (resume && box.clickedButton() == resume) return startRun(StartMode::ResumeAuto);
            return false;
        }
        QMessageBox::warning(this, tr("Cannot start"), error);
        return false;
    }
    m_settings.addRecentRun(m_controller->runDir());
    m_settings.setLastConfig(m_model->config());
    refreshRuns();
    return true;
}

bool MainWindow::openRun(const QString& dir) {
    QString error;
    if (!m_controller->attach(dir, &error)) {
        QMessageBox::warning(this, tr("Cannot open the run"), error);
        return false;
    }
    // The form shows the run's settings, so Resume continues it as it was configured.
    const QString configPath = QString::fromStdString(RunFolder{m_controller->runDir().toStdString()}.configJson());
    QFile f(configPath);
    if (f.open(QIODevice::ReadOnly)) {
        const QByteArray text = f.readAll();
        const auto j = nlohmann::json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
        if (j.is_object()) {
            RunConfig cfg = runConfigFromJson(j, true).config;
            cfg.hfToken = m_model->config().hfToken;  // never stored in a run folder
            cfg.outputDir = m_controller->runDir().toStdString();
            setResumeSetting(cfg, "");
            m_model->setConfig(cfg);
        }
    } else {
        m_model->setFieldText(QStringLiteral("output_dir"), m_controller->runDir());
    }
    m_runPanel->refreshResumePoint();
    m_settings.addRecentRun(m_controller->runDir());
    refreshRuns();
    m_leftTabs->setCurrentIndex(0);
    showMessage(tr("Opened %1").arg(m_controller->runDir()));
    return true;
}

bool MainWindow::reattachRunningRun() {
    for (const QString& dir : m_settings.recentRuns()) {
        if (runIsLocked(dir.toStdString()) && openRun(dir)) {
            showMessage(tr("Re-attached to the run still training in %1").arg(dir), 15000);
            return true;
        }
    }
    return false;
}

void MainWindow::setDataset(const QString& spec) { m_configPanel->datasetPicker()->setDataset(spec); }

void MainWindow::setOutputDir(const QString& dir) { m_model->setFieldText(QStringLiteral("output_dir"), dir); }

bool MainWindow::settled() const {
    return m_probe->done() && !m_configPanel->datasetPicker()->busy() && m_controller->state() != RunState::Starting;
}

void MainWindow::refreshRuns() { m_runs->setFolders(m_settings.recentRuns()); }

bool MainWindow::applyAndResume(int batchSize, int gradAccumSteps) {
    if (isActive(m_controller->state())) {
        showMessage(tr("The run is still active: wait for it to stop."));
        return false;
    }
    // The form follows the run that failed, so its folder's latest checkpoint is the one resumed.
    if (!m_controller->runDir().isEmpty()) m_model->setFieldText(QStringLiteral("output_dir"), m_controller->runDir());
    m_model->setFieldText(QStringLiteral("batch_size"), QString::number(batchSize));
    m_model->setFieldText(QStringLiteral("grad_accum_steps"), QString::number(gradAccumSteps));
    m_runPanel->refreshResumePoint();
    return startRun(StartMode::ResumeAuto);
}

QString MainWindow::planKey() const {
    const RunConfig& c = m_model->config();
    return QStringLiteral("%1|%2|%3|%4|%5").arg(QString::fromUtf8(nameOf(c.modelSize))).arg(c.resolution).arg(c.batchSize)
        .arg(QString::fromUtf8(nameOf(c.device))).arg(c.gpuIds.empty() ? -1 : c.gpuIds.front());
}

void MainWindow::predictMemory() {
    m_plan->setTrainerPath(m_probe->result().ok() ? m_probe->result().path : QString());
    QString error;
    if (!m_plan->run(m_model->config(), &error)) {
        m_configPanel->setMemoryEstimate(error, true);
        return;
    }
    m_planFor.clear();
    m_configPanel->setPredicting(true);
    m_configPanel->setMemoryEstimate(tr("Measuring a few training steps on the device…"));
}

void MainWindow::onPlanned(const PlanResult& plan) {
    m_configPanel->setPredicting(false);
    if (!plan.fits && plan.suggestedBatch > 0)
        m_configPanel->setMemoryEstimate(planText(plan), true, QStringLiteral("split:%1:%2").arg(plan.suggestedBatch).arg(plan.suggestedAccum),
                                         tr("Use %1 × %2").arg(plan.suggestedBatch).arg(plan.suggestedAccum));
    else
        m_configPanel->setMemoryEstimate(planText(plan), !plan.fits);
    m_planFor = planKey();
}

void MainWindow::openTensorBoard() {
    QString dir = m_controller->runDir();
    if (dir.isEmpty()) dir = QString::fromStdString(m_model->config().outputDir);
    if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
        QMessageBox::information(this, tr("TensorBoard"), tr("Start or open a run first: TensorBoard shows <run>/tb."));
        return;
    }
    // A live run's server stops with the run; one opened to browse a finished run stays until another is shown.
    const auto lifetime = isActive(m_controller->state()) && QDir(dir).absolutePath() == QDir(m_controller->runDir()).absolutePath()
                              ? TensorBoardLauncher::Lifetime::WithRun
                              : TensorBoardLauncher::Lifetime::UntilSwitch;
    QString error;
    if (!m_tensorBoard->start(dir, &error, lifetime)) QMessageBox::information(this, tr("TensorBoard"), error);
}

QStringList MainWindow::tabNames() const {
    QStringList names;
    for (int i = 0; i < m_monitor->tabs()->count(); ++i) names << m_monitor->tabs()->tabText(i).remove(QLatin1Char('&')).toLower();
    return names;
}

bool MainWindow::showTab(const QString& name) {
    const QStringList names = tabNames();
    for (int i = 0; i < names.size(); ++i) {
        if (name.isEmpty() || !names[i].startsWith(name.toLower())) continue;
        m_monitor->tabs()->setCurrentIndex(i);
        return true;
    }
    return false;
}

void MainWindow::onStateChanged(RunState state) {
    QString text = tr("Run: %1").arg(QString::fromUtf8(nameOf(state)));
    if (!m_controller->runDir().isEmpty()) text += QStringLiteral(" · ") + m_controller->runDir();
    m_statusState->setText(text);
    m_oomBanner->setRunActive(isActive(state));
    if (!isActive(state) && m_oomBanner->advice()) {
        std::string why;
        const bool can = !m_controller->runDir().isEmpty() && findResumePoint(m_controller->runDir().toStdString(), &why);
        m_oomBanner->setResumeProblem(can ? QString() : why.empty() ? tr("the run folder holds no checkpoint") : QString::fromStdString(why));
    }
    setWindowTitle(isActive(state) ? tr("RF-DETR Studio — %1 (%2)").arg(QFileInfo(m_controller->runDir()).fileName(),
                                                                        QString::fromUtf8(nameOf(state)))
                                   : tr("RF-DETR Studio"));
    if (state == RunState::Finished || state == RunState::Stopped || state == RunState::Failed)
        m_tensorBoard->runEnded(m_controller->runDir());
    if (!isActive(state)) {
        if (!m_runEmitsGpu || state != RunState::Idle) m_gpuMonitor->setActive(true);
        refreshRuns();
        if (m_closeAfterStop) QMetaObject::invokeMethod(this, &QWidget::close, Qt::QueuedConnection);
    }
}

void MainWindow::restoreSettings() {
    if (!restoreGeometry(m_settings.windowGeometry())) resize(1600, 1000);
    restoreState(m_settings.windowState());
    if (const QByteArray s = m_settings.splitterState(QStringLiteral("h")); !s.isEmpty()) m_hsplit->restoreState(s);
    if (const QByteArray s = m_settings.splitterState(QStringLiteral("v")); !s.isEmpty()) m_vsplit->restoreState(s);
    m_logPane->setMinimumLevelName(m_settings.logLevel());
    m_configPanel->setAdvancedExpanded(m_settings.advancedExpanded());
}

void MainWindow::saveSettings() {
    m_settings.setWindowGeometry(saveGeometry());
    m_settings.setWindowState(saveState());
    m_settings.setSplitterState(QStringLiteral("h"), m_hsplit->saveState());
    m_settings.setSplitterState(QStringLiteral("v"), m_vsplit->saveState());
    m_settings.setLastConfig(m_model->config());
    m_settings.setAdvancedExpanded(m_configPanel->advancedExpanded());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    const RunState s = m_controller->state();
    if (isActive(s) && !m_closeAfterStop) {
        QMessageBox box(QMessageBox::Question, tr("A run is active"),
                        tr("The run in %1 is still %2.").arg(m_controller->runDir(), QString::fromUtf8(nameOf(s))),
                        QMessageBox::Cancel, this);
        box.setInformativeText(tr("Stop it (it writes a checkpoint first), or leave it running: reopen its folder "
                                  "under Runs later to watch it again."));
        QPushButton* stop = box.addButton(tr("Stop the run"), QMessageBox::DestructiveRole);
        QPushButton* leave = box.addButton(tr("Leave it running"), QMessageBox::AcceptRole);
        box.setDefaultButton(leave);
        box.exec();
        if (box.clickedButton() == stop) {
            m_closeAfterStop = true;
            m_controller->stop();
            showMessage(tr("Stopping: the window closes once the final checkpoint is written."), 0);
            event->ignore();
            return;
        }
        if (box.clickedButton() != leave) {
            event->ignore();
            return;
        }
        m_controller->detachForExit();
    } else if (isActive(s) && m_closeAfterStop) {
        event->ignore();  // still stopping; onStateChanged closes us
        return;
    }
    saveSettings();
    event->accept();
}

}  // namespace studio::ui
