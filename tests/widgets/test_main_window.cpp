// MainWindow (offscreen platform): menus, actions and their shortcuts, the About box, views
// added and shown by name, the status bar, and stores it refuses with the core's message (a
// file that is not a store, a store of a newer schema) without crashing.
#include "core/store/run_store.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/main_window.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTimer>

#include <cstdlib>
#include <fstream>

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void hasMenus();
    void actionsHaveTheUsualShortcuts();
    void aboutBoxOpensAndCloses();
    void addsAndShowsViews();
    void opensAStoreAndShowsItInTheStatusBar();
    void refusesFilesThatAreNotStores();

private:
    std::unique_ptr<flower::test::TempDir> config_;
};

void TestMainWindow::initTestCase() {
    config_ = flower::test::isolateUserFolders("main-window-config");
}

void TestMainWindow::hasMenus() {
    flower::widgets::MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QStringList titles;
    for (QAction* action : window.menuBar()->actions()) {
        titles << action->text().remove('&');
    }
    QCOMPARE(titles, (QStringList{"File", "Run", "View", "Help"}));
    QVERIFY(window.findChild<QAction*>("actionAbout") != nullptr);
    QVERIFY(window.findChild<QAction*>("actionQuit") != nullptr);
}

void TestMainWindow::actionsHaveTheUsualShortcuts() {
    flower::widgets::MainWindow window;
    const auto keys = [&](const char* name) {
        auto* a = window.findChild<QAction*>(name);
        return a ? a->shortcut() : QKeySequence();
    };
    QCOMPARE(keys("actionNewExperiment"), QKeySequence(QKeySequence::New));
    QCOMPARE(keys("actionOpenStore"), QKeySequence(QKeySequence::Open));
    QCOMPARE(keys("actionRun"), QKeySequence("Ctrl+R"));
    QCOMPARE(keys("actionQuit"), QKeySequence(QKeySequence::Quit));
    for (const char* name : {"actionQueue", "actionCancel", "actionResume", "actionExport", "actionPreferences",
                             "actionStartQueue"}) {
        QVERIFY2(window.findChild<QAction*>(name) != nullptr, name);
    }
    // Actions are created once: one object per name, shared by menus and shortcuts.
    QCOMPARE(window.findChildren<QAction*>("actionRun").size(), 1);
}

void TestMainWindow::aboutBoxOpensAndCloses() {
    flower::widgets::MainWindow window;
    window.show();
    bool sawBox = false;
    QString text;
    // The box is modal: inspect and close it from the event loop it runs.
    QTimer::singleShot(0, [&] {
        for (QWidget* w : QApplication::topLevelWidgets()) {
            if (auto* box = qobject_cast<QMessageBox*>(w); box && box->isVisible()) {
                sawBox = true;
                text = box->text();
                box->accept();
            }
        }
    });
    window.findChild<QAction*>("actionAbout")->trigger();
    QVERIFY(sawBox);
    QVERIFY(text.contains("Flower Workbench"));
    QVERIFY(text.contains(flower::widgets::MainWindow::aboutText().section("</h3>", 0, 0)));
}

void TestMainWindow::addsAndShowsViews() {
    flower::widgets::MainWindow window;
    auto* monitor = new QLabel("monitor");
    window.addView("Monitor", monitor);
    QVERIFY(window.viewNames().contains("monitor"));
    QVERIFY(window.viewNames().contains("experiment"));
    QVERIFY(window.showView("monitor"));
    auto* tabs = window.findChild<QTabWidget*>("views");
    QCOMPARE(tabs->currentWidget(), static_cast<QWidget*>(monitor));
    QVERIFY(window.showView("Experiment"));
    QVERIFY(window.showView("runs"));
    QVERIFY(!window.showView("nonsense"));
}

void TestMainWindow::opensAStoreAndShowsItInTheStatusBar() {
    flower::test::TempDir dir("main-window-store");
    const QString file = QString::fromStdString((dir.path() / "runs.sqlite").string());
    flower::widgets::MainWindow window;
    QSignalSpy checked(&window, &flower::widgets::MainWindow::integrityChecked);
    QCOMPARE(window.openStore(file), QString());
    QCOMPARE(window.storeFile(), file);
    // The integrity check runs in the background and reports when it ends.
    QTRY_COMPARE_WITH_TIMEOUT(checked.size(), 1, 10000);
    QCOMPARE(checked.first().at(0).toString(), file);
    QCOMPARE(checked.first().at(1).toString(), QStringLiteral("ok"));
    QVERIFY(window.findChild<QLabel*>("storeLabel")->text().contains("runs.sqlite"));
    QVERIFY(window.findChild<QLabel*>("deviceLabel")->text().contains("thread"));
    QVERIFY(window.findChild<QLabel*>("runsLabel")->text().contains("0 running"));
}

void TestMainWindow::refusesFilesThatAreNotStores() {
    flower::test::TempDir dir("main-window-bad");
    const auto text = dir.path() / "notes.sqlite";
    std::ofstream(text) << "this is not an SQLite database, just some text that is long enough "
                           "to fill the header of one and more";
    flower::widgets::MainWindow window;
    const QString error = window.openStore(QString::fromStdString(text.string()));
    QVERIFY2(!error.isEmpty(), "a text file was opened as a store");
    QVERIFY2(error.contains("notes.sqlite"), qPrintable(error));
    QVERIFY(window.storeFile().isEmpty());

    const auto newer = dir.path() / "newer.sqlite";
    {
        flower::store::RunStore store(newer);
        store.database().exec("UPDATE schema_version SET version = 999");
    }
    const QString error2 = window.openStore(QString::fromStdString(newer.string()));
    QVERIFY2(error2.contains("newer"), qPrintable(error2));
    QVERIFY(window.storeFile().isEmpty());
}

FLOWER_GUI_TEST_MAIN(TestMainWindow, hasMenus, actionsHaveTheUsualShortcuts, aboutBoxOpensAndCloses,
                     addsAndShowsViews, opensAStoreAndShowsItInTheStatusBar,
                     refusesFilesThatAreNotStores)
#include "test_main_window.moc"
