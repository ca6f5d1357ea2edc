#include "widgets/main_window.h"

#include "core/run/experiment_config.h"
#include "core/run/resource_locator.h"
#include "core/store/result_table.h"
#include "core/store/run_json_export.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/store/table_builder.h"
#include "core/util/error.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"
#include "widgets/experiment_form.h"
#include "widgets/export_dialog.h"
#include "widgets/export_source.h"
#include "widgets/run_list_model.h"
#include "widgets/run_list_view.h"
#include "widgets/sweep_editor.h"
#include "widgets/run_queue.h"

#include <nlohmann/json.hpp>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QIcon>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMetaObject>
#include <QMessageBox>
#include <QPalette>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTreeView>
#include <QUrl>

#include <fstream>
#include <thread>

namespace flower::widgets {

namespace {

constexpr int kRecentStores = 8;

// "system" keeps the platform's palette (light or dark as the desktop says); the others force one.
void applyAppearance(const QString& mode) {
    static const QString systemStyle = QApplication::style()->name();
    static QString applied = QStringLiteral("system");
    if (mode == applied) {
        return;  // leaves an untouched palette alone, so it keeps following the platform
    }
    applied = mode;
    if (mode == QLatin1String("dark")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        const QColor window(45, 45, 48), base(30, 30, 32), text(220, 220, 220);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, window);
        p.setColor(QPalette::ToolTipBase, base);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, window);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::Highlight, QColor(42, 130, 218));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::PlaceholderText, QColor(140, 140, 140));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 120, 120));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 120, 120));
        QApplication::setPalette(p);
    } else if (mode == QLatin1String("light")) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        // Back to the platform theme's style and palette. A palette with no role set resolves
        // every role against the theme, also when the desktop switches light/dark later (a copy
        // of the palette at start-up would pin the colours of that moment).
        QApplication::setStyle(QStyleFactory::create(systemStyle));
        QApplication::setPalette(QPalette());
    }
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName("MainWindow");
    setWindowTitle(tr("Flower Workbench"));
    setWindowIcon(QIcon(":/flower/icons/flower.svg"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    queue_ = new RunQueue(this);
    model_ = new RunListModel(this);
    form_ = new ExperimentForm(this);
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("views"));
    tabs_->setDocumentMode(true);
    tabs_->addTab(form_, tr("Experiment"));
    setCentralWidget(tabs_);

    runList_ = new RunListView(model_, this);
    runsDock_ = new QDockWidget(tr("Runs"), this);
    runsDock_->setObjectName(QStringLiteral("runsDock"));
    runsDock_->setWidget(runList_);
    addDockWidget(Qt::BottomDockWidgetArea, runsDock_);

    buildActions();
    buildMenus();
    buildStatusBar();

    connect(form_, &ExperimentForm::runRequested, this, [this] { submitForm(true); });
    connect(form_, &ExperimentForm::queueRequested, this, [this] { submitForm(false); });
    connect(form_, &ExperimentForm::validityChanged, this, [this](bool valid) {
        run_->setEnabled(valid);
        queueAction_->setEnabled(valid);
    });
    connect(model_, &RunListModel::countsChanged, this, &MainWindow::updateRunCounts);
    connect(model_, &RunListModel::storeFailed, this, [this](const QString& message) {
        statusBar()->showMessage(message, 10000);
    });
    connect(model_, &RunListModel::editFailed, this, [this](const QString& message) {
        QMessageBox::warning(this, tr("Could not save the edit"), message);
    });
    connect(queue_, &RunQueue::stepDone, this, [this](qint64 id, const RunStepInfo& info) {
        model_->setLiveProgress(id, info.step, info.totalSteps, info.etaSeconds);
    });
    // Beam search over a split runs for minutes between two steps: say so.
    connect(queue_, &RunQueue::evaluationProgress, this,
            [this](qint64 id, const QString& split, qint64 done, qint64 total) {
                statusBar()->showMessage(
                    tr("Run %1: evaluating — ranking the %2 split, %3 / %4 rows").arg(id).arg(split).arg(done).arg(total),
                    done >= total ? 3000 : 0);
            });
    connect(queue_, &RunQueue::runStarted, this, [this](qint64 id) {
        model_->refresh();
        statusBar()->showMessage(tr("Run %1: preparing (data, vocabulary, model)…").arg(id), 5000);
    });
    connect(queue_, &RunQueue::runFinished, this, &MainWindow::onRunFinished);
    connect(queue_, &RunQueue::idle, this, [this] {
        if (closing_) close();
    });
    connect(runList_, &RunListView::openRequested, this, [this](qint64 id) {
        Q_EMIT runSelected(store_, id);
        Q_EMIT runOpened(store_, id);
    });
    connect(runList_->table()->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                // A sweep's group row (run id 0) selects no run.
                const qint64 id = current.data(RunListModel::RunIdRole).toLongLong();
                if (current.isValid() && id > 0) {
                    Q_EMIT runSelected(store_, id);
                }
            });
    connect(runList_, &RunListView::resumeRequested, this, &MainWindow::resumeRuns);
    connect(runList_, &RunListView::cancelRequested, this, &MainWindow::cancelRuns);
    connect(runList_, &RunListView::deleteRequested, this, &MainWindow::deleteRuns);
    connect(runList_, &RunListView::duplicateRequested, this, &MainWindow::duplicateRun);
    connect(runList_, &RunListView::revealRequested, this, &MainWindow::revealRun);
    connect(runList_, &RunListView::compareRequested, this,
            [this](const QList<qint64>& ids) { Q_EMIT compareRequested(store_, ids); });
    connect(runList_, &RunListView::compareGroupRequested, this,
            [this](qint64 sweepId, const QList<qint64>& ids, const QStringList& groupBy) {
                Q_EMIT compareGroupRequested(store_, sweepId, ids, groupBy);
            });

    QSettings settings;
    applyAppearance(settings.value(QStringLiteral("appearance"), "system").toString());
    // Four plots of the monitor need room: 1440 × 900 where the screen has it, else 92% of it.
    QSize size(1440, 900);
    if (const QScreen* screen = QGuiApplication::primaryScreen()) {
        const QSize room = screen->availableGeometry().size() * 0.92;
        size = size.boundedTo(room);
    }
    resize(size);
    resizeDocks({runsDock_}, {190}, Qt::Vertical);  // about six runs under the views
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    updateRecentMenu();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    const auto make = [this](const QString& text, const char* name, const QKeySequence& keys,
                             const QString& tip) {
        auto* a = new QAction(text, this);
        a->setObjectName(QString::fromLatin1(name));
        if (!keys.isEmpty()) a->setShortcut(keys);
        a->setStatusTip(tip);
        a->setToolTip(tip);
        addAction(a);  // shortcuts work with the menu bar hidden too
        return a;
    };
    newExperiment_ = make(tr("&New experiment"), "actionNewExperiment", QKeySequence::New,
                          tr("Start from the default experiment"));
    openStore_ = make(tr("&Open store…"), "actionOpenStore", QKeySequence::Open,
                      tr("Open or create a run store (runs.sqlite)"));
    loadExperiment_ = make(tr("&Load experiment…"), "actionLoadExperiment", QKeySequence(),
                           tr("Read an experiment file into the form"));
    saveExperiment_ = make(tr("&Save experiment as…"), "actionSaveExperiment", QKeySequence::SaveAs,
                           tr("Write the form's resolved experiment to a file"));
    export_ = make(tr("&Export runs…"), "actionExport", QKeySequence(tr("Ctrl+E")),
                   tr("Write the selected runs (or all) as CSV, Markdown, LaTeX or JSON"));
    exportPlots_ = make(tr("Export &plots…"), "actionExportPlots", QKeySequence(tr("Ctrl+Shift+E")),
                        tr("Write the current tab's plots as PNG, SVG or PDF (one page per plot)"));
    exportSeries_ = make(tr("Export se&ries…"), "actionExportSeries", QKeySequence(),
                         tr("Write every point of the selected runs' series (or the current tab's "
                            "run) as CSV or JSON, or only the zoomed x range"));
    preferences_ = make(tr("&Preferences…"), "actionPreferences", QKeySequence::Preferences,
                        tr("Appearance"));
    quit_ = make(tr("&Quit"), "actionQuit", QKeySequence::Quit, tr("Close the workbench"));
    run_ = make(tr("&Run"), "actionRun", QKeySequence(tr("Ctrl+R")),
                tr("Queue the form's experiment and start the queue"));
    queueAction_ = make(tr("&Queue"), "actionQueue", QKeySequence(tr("Ctrl+Shift+R")),
                        tr("Queue the form's experiment without starting it"));
    startQueue_ = make(tr("&Start queue"), "actionStartQueue", QKeySequence(),
                       tr("Run the store's queued runs one after another"));
    resume_ = make(tr("Res&ume"), "actionResume", QKeySequence(),
                   tr("Continue the selected cancelled or interrupted runs from their last "
                      "checkpoint"));
    cancel_ = make(tr("&Cancel"), "actionCancel", QKeySequence(tr("Ctrl+.")),
                   tr("Cancel the selected runs (or the current one) after the current step"));
    compare_ = make(tr("Co&mpare selected runs"), "actionCompare", QKeySequence(tr("Ctrl+Shift+M")),
                    tr("Overlay the selected runs' curves, group seeds, tabulate their configs "
                       "and results"));
    newSweep_ = make(tr("New s&weep from the experiment…"), "actionNewSweep",
                     QKeySequence(tr("Ctrl+Shift+W")),
                     tr("Vary fields of the form's experiment (grid or zip) and queue the runs"));
    connect(newSweep_, &QAction::triggered, this, &MainWindow::openSweepEditor);

    connect(newExperiment_, &QAction::triggered, this, [this] {
        form_->setConfig(run::ExperimentConfig{});
        showView(QStringLiteral("experiment"));
    });
    connect(openStore_, &QAction::triggered, this, &MainWindow::chooseStore);
    connect(loadExperiment_, &QAction::triggered, this, [this] {
        showView(QStringLiteral("experiment"));
        form_->chooseAndLoad();
    });
    connect(saveExperiment_, &QAction::triggered, form_, &ExperimentForm::chooseAndSave);
    connect(export_, &QAction::triggered, this, &MainWindow::exportRuns);
    connect(exportPlots_, &QAction::triggered, this, &MainWindow::exportPlots);
    connect(exportSeries_, &QAction::triggered, this, &MainWindow::exportSeries);
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::updateExportActions);
    updateExportActions();
    connect(preferences_, &QAction::triggered, this, &MainWindow::showPreferences);
    connect(quit_, &QAction::triggered, this, &QWidget::close);
    connect(run_, &QAction::triggered, this, [this] { submitForm(true); });
    connect(queueAction_, &QAction::triggered, this, [this] { submitForm(false); });
    connect(startQueue_, &QAction::triggered, this, [this] { queue_->start(); });
    connect(resume_, &QAction::triggered, this, [this] { resumeRuns(runList_->selectedRuns()); });
    connect(compare_, &QAction::triggered, this, [this] {
        const QList<qint64> ids = runList_->selectedRuns();
        if (ids.isEmpty()) {
            statusBar()->showMessage(tr("Select the runs to compare in the run list first"), 5000);
            return;
        }
        Q_EMIT compareRequested(store_, ids);
    });
    connect(cancel_, &QAction::triggered, this, [this] {
        QList<qint64> ids = runList_->selectedRuns();
        if (ids.isEmpty() && queue_->busy()) ids << queue_->currentRun();
        cancelRuns(ids);
    });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->setObjectName("menuFile");
    file->addAction(newExperiment_);
    file->addAction(loadExperiment_);
    file->addAction(saveExperiment_);
    file->addSeparator();
    file->addAction(openStore_);
    recentMenu_ = file->addMenu(tr("Recent &stores"));
    recentMenu_->setObjectName("menuRecentStores");
    file->addAction(export_);
    file->addAction(exportPlots_);
    file->addAction(exportSeries_);
    file->addSeparator();
    file->addAction(preferences_);
    file->addSeparator();
    file->addAction(quit_);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->setObjectName("menuRun");
    run->addAction(run_);
    run->addAction(queueAction_);
    run->addAction(startQueue_);
    run->addAction(newSweep_);
    run->addSeparator();
    run->addAction(resume_);
    run->addAction(cancel_);
    run->addSeparator();
    run->addAction(compare_);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName("menuView");
    QAction* runs = runsDock_->toggleViewAction();
    runs->setObjectName("actionShowRuns");
    runs->setShortcut(QKeySequence(tr("Ctrl+1")));
    view->addAction(runs);
    QAction* experiment = view->addAction(tr("&Experiment form"), this,
                                          [this] { showView(QStringLiteral("experiment")); });
    experiment->setShortcut(QKeySequence(tr("Ctrl+2")));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName("menuHelp");
    QAction* about = help->addAction(tr("&About Flower Workbench"), this, &MainWindow::showAbout);
    about->setObjectName("actionAbout");
    QAction* aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setObjectName("actionAboutQt");
}

QString MainWindow::deviceDescription() {
    QString device;
    try {
        if (run::resolveDevice(run::DeviceChoice::Auto) == "cuda") {
            device = tr("CUDA");
        }
    } catch (const std::exception&) {
    }
    const QString threads = tr("CPU: %1 threads").arg(util::defaultThreadCount());
    QString blas = QFileInfo(QString::fromStdString(util::loadedBlasLibrary())).fileName();
    if (blas.isEmpty()) blas = tr("BLAS not loaded");
    return device.isEmpty() ? threads + QStringLiteral(" · ") + blas
                            : device + QStringLiteral(" · ") + threads;
}

void MainWindow::buildStatusBar() {
    deviceLabel_ = new QLabel(deviceDescription(), this);
    deviceLabel_->setObjectName(QStringLiteral("deviceLabel"));
    deviceLabel_->setToolTip(tr("Where runs train: CUDA when available (device auto), else the "
                                "CPU with this BLAS library"));
    storeLabel_ = new QLabel(tr("no store"), this);
    storeLabel_->setObjectName(QStringLiteral("storeLabel"));
    runsLabel_ = new QLabel(this);
    runsLabel_->setObjectName(QStringLiteral("runsLabel"));
    statusBar()->addPermanentWidget(runsLabel_);
    statusBar()->addPermanentWidget(storeLabel_);
    statusBar()->addPermanentWidget(deviceLabel_);
    updateRunCounts(0, 0);
}

void MainWindow::updateRunCounts(int running, int queued) {
    runsLabel_->setText(tr("%1 running · %2 queued").arg(running).arg(queued));
    startQueue_->setEnabled(queued > 0 && !queue_->busy());
}

void MainWindow::addView(const QString& name, QWidget* view) {
    view->setParent(tabs_);
    tabs_->addTab(view, name);
}

QStringList MainWindow::viewNames() const {
    QStringList names{QStringLiteral("runs")};
    for (int i = 0; i < tabs_->count(); ++i) {
        names << tabs_->tabText(i).remove(QLatin1Char('&')).toLower();
    }
    return names;
}

bool MainWindow::showView(const QString& name) {
    if (name.compare(QLatin1String("runs"), Qt::CaseInsensitive) == 0) {
        runsDock_->show();
        runsDock_->raise();
        runList_->table()->setFocus();
        return true;
    }
    for (int i = 0; i < tabs_->count(); ++i) {
        if (tabs_->tabText(i).remove(QLatin1Char('&')).compare(name, Qt::CaseInsensitive) == 0) {
            tabs_->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

QString MainWindow::openStore(const QString& file) {
    if (queue_->busy()) {
        return tr("A run is training in this window: cancel it before opening another store.");
    }
    const QString path = QFileInfo(file).absoluteFilePath();
    try {
        QDir().mkpath(QFileInfo(path).absolutePath());
        // Read-write once: refuses a file that is not a store or of a newer schema, creates or
        // migrates the schema and marks dead owners' runs interrupted.
        store::RunStore check(path.toStdString());
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    checkIntegrityInBackground(path);
    store_ = path;
    queue_->setStore(path);
    model_->setStore(path);
    storeLabel_->setText(QDir::toNativeSeparators(path));
    storeLabel_->setToolTip(tr("The run store: every run, its metrics and its checkpoints' paths"));
    setWindowTitle(tr("%1 — Flower Workbench").arg(QFileInfo(path).fileName()));
    rememberStore(path);
    return {};
}

void MainWindow::checkIntegrityInBackground(const QString& path) {
    // PRAGMA integrity_check reads the whole file: 2.3-3 s for the 100-run scale store, which
    // held the run list back that long on the GUI thread. It runs on a thread of its own, with
    // its own read-only connection; a damaged store is reported when the check ends.
    QPointer<MainWindow> self(this);
    std::thread([self, path] {
        QString result;
        try {
            store::StoreOptions options;
            options.create = false;
            options.readOnly = true;
            options.busyTimeoutMs = 5000;
            result = QString::fromStdString(store::RunStore(path.toStdString(), options).integrityCheck());
        } catch (const std::exception& e) {
            result = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(qApp, [self, path, result] {
            if (!self) return;
            Q_EMIT self->integrityChecked(path, result);
            if (result == QLatin1String("ok") || path != self->store_) return;
            const QString message = tr("%1: the store is damaged (PRAGMA integrity_check: %2). "
                                       "Copy what you need and start a new store.")
                                        .arg(QDir::toNativeSeparators(path), result);
            self->statusBar()->showMessage(message);
            if (self->interactive_) {
                QMessageBox::warning(self, tr("The store is damaged"), message);
            }
        }, Qt::QueuedConnection);
    }).detach();
}

void MainWindow::chooseStore() {
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Open or create a run store"), store_, tr("Run stores (*.sqlite);;All files (*)"),
        nullptr, QFileDialog::DontConfirmOverwrite);
    if (file.isEmpty()) return;
    const QString error = openStore(file);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Cannot open the store"), error);
    }
}

void MainWindow::rememberStore(const QString& file) {
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentStores")).toStringList();
    recent.removeAll(file);
    recent.prepend(file);
    while (recent.size() > kRecentStores) recent.removeLast();
    settings.setValue(QStringLiteral("recentStores"), recent);
    settings.setValue(QStringLiteral("lastStore"), file);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentStores")).toStringList();
    for (const QString& file : recent) {
        recentMenu_->addAction(QDir::toNativeSeparators(file), this, [this, file] {
            const QString error = openStore(file);
            if (!error.isEmpty()) QMessageBox::warning(this, tr("Cannot open the store"), error);
        });
    }
    recentMenu_->setEnabled(!recent.isEmpty());
}

qint64 MainWindow::submitForm(bool run) {
    const auto config = form_->config();
    if (!config) {
        statusBar()->showMessage(form_->errorMessage(), 10000);
        return 0;
    }
    if (store_.isEmpty()) {
        statusBar()->showMessage(tr("Open a run store first (File ▸ Open store)"), 10000);
        return 0;
    }
    qint64 id = 0;
    try {
        id = queue_->enqueue(*config);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot queue the run"), QString::fromUtf8(e.what()));
        return 0;
    }
    statusBar()->showMessage(run ? tr("Run %1 queued and the queue started").arg(id)
                                 : tr("Run %1 queued").arg(id),
                             5000);
    if (run) queue_->start();
    model_->refresh();
    return id;
}

void MainWindow::cancelRuns(const QList<qint64>& ids) {
    for (const qint64 id : ids) {
        const RunRow* row = model_->rowFor(id);
        if (id != queue_->currentRun() && row && row->status == QLatin1String("running")) {
            statusBar()->showMessage(
                tr("Run %1 trains in another process: stop it there (Ctrl-C keeps a checkpoint)")
                    .arg(id),
                10000);
            continue;
        }
        try {
            queue_->cancelRun(id);
        } catch (const std::exception& e) {
            QMessageBox::warning(this, tr("Cannot cancel"), QString::fromUtf8(e.what()));
        }
    }
    model_->refresh();
}

void MainWindow::resumeRuns(const QList<qint64>& ids) {
    int resumed = 0;
    for (const qint64 id : ids) {
        const RunRow* row = model_->rowFor(id);
        if (row && (row->status == QLatin1String("cancelled") ||
                    row->status == QLatin1String("interrupted"))) {
            queue_->resumeRun(id);
            ++resumed;
        }
    }
    if (resumed == 0) {
        statusBar()->showMessage(tr("Select a cancelled or interrupted run in the run list to "
                                    "resume it"),
                                 8000);
    }
}

void MainWindow::deleteRuns(const QList<qint64>& ids) {
    if (ids.isEmpty()) return;
    const auto answer = QMessageBox::question(
        this, tr("Delete runs"),
        tr("Delete %n run(s) with all their measurements and checkpoint files? This cannot be "
           "undone.",
           nullptr, static_cast<int>(ids.size())),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes) return;
    try {
        store::RunStore runs(store_.toStdString(), {.create = false});
        for (const qint64 id : ids) runs.deleteRun(id);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot delete"), QString::fromUtf8(e.what()));
    }
    model_->refresh();
}

void MainWindow::openSweepEditor() {
    const auto config = form_->config();
    if (!config) {
        statusBar()->showMessage(tr("The experiment form is not valid: %1").arg(form_->errorMessage()),
                                 10000);
        return;
    }
    auto* editor = new SweepEditor(*config, store_, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &SweepEditor::sweepQueued, this, [this](qint64 sweepId, const QList<qint64>& ids) {
        // Queued, as Run ▸ Queue: Run ▸ Start queue runs them.
        statusBar()->showMessage(tr("Sweep %1: %2 runs queued (Run ▸ Start queue runs them)")
                                     .arg(sweepId)
                                     .arg(ids.size()),
                                 10000);
        model_->refresh();
    });
    editor->show();
}

void MainWindow::duplicateRun(qint64 id) {
    try {
        store::RunStore runs(store_.toStdString(), {.create = false});
        auto config = run::ExperimentConfig::fromJson(
            nlohmann::json::parse(runs.run(id).configJson), "run " + std::to_string(id));
        config.name += "-copy";
        form_->setConfig(config);
        showView(QStringLiteral("experiment"));
        statusBar()->showMessage(tr("Run %1's experiment is in the form: change it, then Run or "
                                    "Queue").arg(id),
                                 8000);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot duplicate"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::revealRun(qint64 id) {
    const auto dir = store::runDirectory(store_.toStdString(), id);
    const QString path = QString::fromStdString(dir.string());
    if (!QFileInfo::exists(path)) {
        statusBar()->showMessage(tr("Run %1 has no folder yet (%2)").arg(id).arg(path), 8000);
        return;
    }
    QDesktopServices::openUrl(QUrl::fromLocalFile(path));
}

void MainWindow::exportRuns() {
    if (store_.isEmpty()) return;
    QList<qint64> ids = runList_->selectedRuns();
    if (ids.isEmpty()) {
        for (int i = 0; i < model_->rowCount(); ++i) ids << model_->rowAt(i).id;
    }
    QString filter;
    const QString file = QFileDialog::getSaveFileName(
        this, tr("Export %n run(s)", nullptr, static_cast<int>(ids.size())), {},
        tr("CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex);;JSON (*.json)"), &filter);
    if (file.isEmpty()) return;
    try {
        store::RunStore runs(store_.toStdString(), {.create = false});
        std::vector<std::int64_t> list(ids.begin(), ids.end());
        std::string text;
        if (file.endsWith(QLatin1String(".json"))) {
            nlohmann::json all = nlohmann::json::array();
            for (const auto id : list) all.push_back(store::exportRunJson(runs, id));
            text = all.dump(2);
        } else {
            const store::ResultTable table = store::runsTable(runs, list);
            text = file.endsWith(QLatin1String(".md"))    ? table.toMarkdown()
                   : file.endsWith(QLatin1String(".tex")) ? table.toLatex()
                                                          : table.toCsv();
        }
        std::ofstream out(file.toStdString(), std::ios::binary);
        out << text;
        if (!out) throw Error({file.toStdString(), 0, ""}, "cannot write the file");
        statusBar()->showMessage(tr("Exported %n run(s) to %1", nullptr,
                                    static_cast<int>(list.size())).arg(file),
                                 8000);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot export"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::updateExportActions() {
    const bool plots = dynamic_cast<ExportSource*>(tabs_->currentWidget()) != nullptr;
    exportPlots_->setEnabled(plots);
    exportPlots_->setStatusTip(plots ? tr("Write the current tab's plots as PNG, SVG or PDF (one page per plot)")
                                     : tr("This tab has no plots; the Monitor tab has"));
}

void MainWindow::exportPlots() {
    auto* source = dynamic_cast<ExportSource*>(tabs_->currentWidget());
    if (source == nullptr) {
        statusBar()->showMessage(tr("The current tab has no plots to export"), 8000);
        return;
    }
    const QStringList files = ExportDialog::exportPlots(this, source->exportablePlots(), source->exportTitle());
    if (!files.isEmpty()) {
        statusBar()->showMessage(tr("Exported %n file(s): %1", nullptr, static_cast<int>(files.size()))
                                     .arg(files.join(", ")), 8000);
    }
}

void MainWindow::exportSeries() {
    auto* source = dynamic_cast<ExportSource*>(tabs_->currentWidget());
    QList<qint64> runs = runList_->selectedRuns();
    if (runs.isEmpty() && source) runs = source->exportRuns();
    const auto zoomed = source ? source->zoomedRange() : std::nullopt;
    const QStringList files = ExportDialog::exportSeries(this, store_, runs, zoomed);
    if (!files.isEmpty()) {
        statusBar()->showMessage(tr("Exported the series of %n run(s) to %1", nullptr, static_cast<int>(runs.size()))
                                     .arg(files.join(", ")), 8000);
    }
}

void MainWindow::showPreferences() {
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("preferences"));
    dialog.setWindowTitle(tr("Preferences"));
    auto* form = new QFormLayout(&dialog);
    auto* appearance = new QComboBox(&dialog);
    appearance->addItem(tr("Follow the system"), "system");
    appearance->addItem(tr("Light"), "light");
    appearance->addItem(tr("Dark"), "dark");
    QSettings settings;
    appearance->setCurrentIndex(
        appearance->findData(settings.value(QStringLiteral("appearance"), "system").toString()));
    form->addRow(tr("Appearance"), appearance);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() == QDialog::Accepted) {
        const QString mode = appearance->currentData().toString();
        settings.setValue(QStringLiteral("appearance"), mode);
        applyAppearance(mode);
    }
}

void MainWindow::onRunFinished(qint64 runId, const QString& state, const QString& message) {
    model_->clearLiveProgress(runId);
    model_->refresh();
    if (state == QLatin1String("failed")) {
        statusBar()->showMessage(tr("Run %1 failed: %2").arg(runId).arg(message), 20000);
        if (!closing_ && isVisible() && interactive_) {
            QMessageBox box(QMessageBox::Warning, tr("Run %1 failed").arg(runId), message,
                            QMessageBox::Ok, this);
            box.setObjectName(QStringLiteral("runFailedBox"));
            box.setWindowModality(Qt::WindowModal);
            box.exec();
        }
    } else {
        statusBar()->showMessage(tr("Run %1 %2").arg(runId).arg(state), 10000);
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (queue_->busy()) {
        if (!closing_) {
            if (interactive_) {
                const auto answer = QMessageBox::question(
                    this, tr("A run is training"),
                    tr("Run %1 is training. Cancel it after the current step and close? It keeps "
                       "a checkpoint and can be resumed later.")
                        .arg(queue_->currentRun()),
                    QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
                if (answer != QMessageBox::Yes) {
                    event->ignore();
                    return;
                }
            }
            closing_ = true;
            statusBar()->showMessage(tr("Cancelling run %1 after its current step; waiting for "
                                        "its checkpoint…").arg(queue_->currentRun()));
            queue_->stopAll();  // idle() closes the window again
        }
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    event->accept();
}

QString MainWindow::aboutText() {
    return tr("<h3>Flower Workbench %1</h3>"
              "<p>Commit %2</p>"
              "<p>An experiment workbench for <b>Flower</b>: process-supervised LLM recommenders "
              "via flow-guided tuning. Compare SFT (BIGRec), temperature sampling, D3, IFairLRS "
              "and Flower on accuracy, fairness, diversity and distribution fit.</p>")
        .arg(QString::fromLatin1(build::kVersion), QString::fromLatin1(build::kGitCommit));
}

void MainWindow::showAbout() {
    QMessageBox box(this);
    box.setObjectName("aboutBox");
    box.setWindowTitle(tr("About Flower Workbench"));
    box.setIconPixmap(QIcon(":/flower/icons/flower.svg").pixmap(64, 64));
    box.setText(aboutText());
    box.exec();
}

}  // namespace flower::widgets
