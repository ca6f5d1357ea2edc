// MainWindow: menus and About box exist and work (offscreen platform).
#include "widgets/main_window.h"
#include "tests/support/flower_gui_test.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTimer>

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hasMenus();
    void aboutBoxOpensAndCloses();
};

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

FLOWER_GUI_TEST_MAIN(TestMainWindow, hasMenus, aboutBoxOpensAndCloses)
#include "test_main_window.moc"
