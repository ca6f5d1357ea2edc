// MainWindow — the workbench's frame: the central tabs (the experiment form, and whatever views
// are added with addView, e.g. the run monitor), the run list in a dock, menus whose actions
// are created once, recent stores, the window state (QSettings), and a status bar with the
// device, the store and the running / queued runs.
// It owns no run state: RunQueue runs the store's queue, RunListModel reads the store, and
// the window only forwards the user's requests. Writes to the store from here are run control
// (queue, cancel, delete) and the list's tags and notes.
// Failure: a file that is not a store, or a store of a newer schema, is refused with the core's
// message (openStore returns it; the menus show it in a message box); nothing crashes. The
// store's integrity check (it reads the whole file) runs in the background after opening; a
// damaged store is reported then (integrityChecked, status bar, message box).
#pragma once

#include <QMainWindow>
#include <QPointer>
#include <QStringList>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QTabWidget;

namespace flower::widgets {

class ExperimentForm;
class RunListModel;
class RunListView;
class RunQueue;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Text of the About box (also used by tests and `--about`).
    static QString aboutText();

    // Adds a tab to the central area (the lead adds the monitor here). The window takes
    // ownership; names are what --view selects (case-insensitive).
    void addView(const QString& name, QWidget* view);
    // A tab that inherits ExportSource (widgets/export_source.h) offers its plots to File ▸
    // Export plots… and its runs / zoomed range to Export series….
    // Shows the tab of that name, or the run list for "runs". False when there is none.
    bool showView(const QString& name);
    QStringList viewNames() const;

    // Opens (creating when missing) a run store; returns "" or the core's message.
    QString openStore(const QString& file);
    QString storeFile() const { return store_; }

    ExperimentForm* form() const { return form_; }
    RunQueue* queue() const { return queue_; }
    RunListModel* runModel() const { return model_; }
    RunListView* runList() const { return runList_; }

    // Queue the form's experiment, and start the queue (run = true). Returns the run id, or 0
    // when the form is invalid or there is no store (the reason goes to the status bar).
    qint64 submitForm(bool run);
    // Interactive (default): closing during a run asks first and a failed run opens a message
    // box. Off for scripted use (--screenshot, tests): no modal dialogs.
    void setInteractive(bool interactive) { interactive_ = interactive; }

Q_SIGNALS:
    // The user opened or selected a run (the monitor follows it).
    void runSelected(const QString& store, qint64 runId);
    // The user asked to open a run (double click, context menu): its view should come forward.
    void runOpened(const QString& store, qint64 runId);
    // The background PRAGMA integrity_check of an opened store ended: "ok" or what is wrong
    // (also shown in the status bar and, when interactive, a message box).
    void integrityChecked(const QString& store, const QString& result);
    // The user asked to compare runs (Run ▸ Compare selected runs, the run list's menu).
    void compareRequested(const QString& store, const QList<qint64>& runIds);
    // Run list ▸ "Compare group (aggregate seeds)" on a sweep: its runs and the suggested
    // group-by keys (varied fields without seed), for the comparison view.
    void compareGroupRequested(const QString& store, qint64 sweepId, const QList<qint64>& runIds,
                               const QStringList& groupBy);

public Q_SLOTS:
    void showAbout();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildStatusBar();
    void updateRecentMenu();
    void rememberStore(const QString& file);
    void checkIntegrityInBackground(const QString& path);
    void updateRunCounts(int running, int queued);
    void chooseStore();
    void exportRuns();
    void exportPlots();
    void exportSeries();
    void updateExportActions();
    void showPreferences();
    void cancelRuns(const QList<qint64>& ids);
    void resumeRuns(const QList<qint64>& ids);
    void deleteRuns(const QList<qint64>& ids);
    void duplicateRun(qint64 id);
    void openSweepEditor();
    void revealRun(qint64 id);
    void onRunFinished(qint64 runId, const QString& state, const QString& message);
    static QString deviceDescription();

    QTabWidget* tabs_ = nullptr;
    ExperimentForm* form_ = nullptr;
    RunListModel* model_ = nullptr;
    RunListView* runList_ = nullptr;
    QDockWidget* runsDock_ = nullptr;
    RunQueue* queue_ = nullptr;
    QString store_;

    QAction* newExperiment_ = nullptr;
    QAction* openStore_ = nullptr;
    QAction* loadExperiment_ = nullptr;
    QAction* saveExperiment_ = nullptr;
    QAction* export_ = nullptr;
    QAction* exportPlots_ = nullptr;
    QAction* exportSeries_ = nullptr;
    QAction* preferences_ = nullptr;
    QAction* quit_ = nullptr;
    QAction* run_ = nullptr;
    QAction* queueAction_ = nullptr;
    QAction* startQueue_ = nullptr;
    QAction* resume_ = nullptr;
    QAction* cancel_ = nullptr;
    QAction* compare_ = nullptr;
    QAction* newSweep_ = nullptr;
    QMenu* recentMenu_ = nullptr;

    QLabel* deviceLabel_ = nullptr;
    QLabel* storeLabel_ = nullptr;
    QLabel* runsLabel_ = nullptr;
    bool interactive_ = true;
    bool closing_ = false;
};

}  // namespace flower::widgets
