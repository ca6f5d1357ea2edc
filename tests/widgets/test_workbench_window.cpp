// flower-workbench in a real X window under Xvfb: it starts, maps a window of the expected size
// and paints it (the screenshot is taken from the X server, not rendered by the widget).
#include "tests/support/flower_test.h"
#include "tests/support/process.h"

#include <QImage>
#include <QSet>
#include <QTemporaryDir>

class TestWorkbenchWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsRealWindowUnderXvfb();
};

void TestWorkbenchWindow::showsRealWindowUnderXvfb() {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        QSKIP("xvfb-run is not installed (scripts/setup.sh installs xvfb and xauth)");
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string png = dir.filePath("window.png").toStdString();
    const auto r = flower::test::runProcess(
        {"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24", FLOWER_WORKBENCH_PATH,
         "--screenshot", png},
        {{"QT_QPA_PLATFORM", "xcb"}});
    QVERIFY2(r.exitCode == 0, (r.out + r.err).c_str());
    QImage image;
    QVERIFY(image.load(QString::fromStdString(png)));
    QCOMPARE(image.width(), 1100);
    QCOMPARE(image.height(), 720);
    // A painted window has text and menus: many distinct colours, not one flat fill.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4) {
            colours.insert(image.pixel(x, y));
        }
    }
    QVERIFY2(colours.size() > 8, qPrintable(QString::number(colours.size())));
}

FLOWER_TEST_MAIN(TestWorkbenchWindow, showsRealWindowUnderXvfb)
#include "test_workbench_window.moc"
