// flower-workbench — the desktop GUI. Assembles the main window; everything else is in widgets/.
//   --screenshot FILE   show the window, save what the display server shows of it as PNG, quit
//                       (documentation images; the Xvfb test checks a real window this way)
#include "app/workbench/first_frame_exit.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"
#include "widgets/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QScreen>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    flower::util::configureTorchThreads();
    QApplication app(argc, argv);
    QApplication::setApplicationName("Flower Workbench");
    QApplication::setOrganizationName("flower-workbench");
    QApplication::setApplicationVersion(QString::fromLatin1(flower::build::kVersion));
    QApplication::setWindowIcon(QIcon(":/flower/icons/flower.svg"));

    QCommandLineParser parser;
    parser.setApplicationDescription("Flower Workbench: flow-guided tuning of LLM recommenders");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot("screenshot", "Save a PNG of the window and quit.", "file");
    parser.addOption(screenshot);
    parser.process(app);

    flower::widgets::MainWindow window;
    window.show();
    flower::app::exitAfterFirstFrameIfAsked(window);
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        // Grab from the screen, not by rendering the widget: this shows what the window system
        // really displays. The delay lets the window manager map and paint the window.
        QTimer::singleShot(500, &window, [&window, file] {
            const QPixmap shot = window.screen()->grabWindow(window.winId());
            if (shot.isNull() || !shot.save(file, "PNG")) {
                std::fprintf(stderr, "flower-workbench: could not save a screenshot to %s\n",
                             qPrintable(file));
                QApplication::exit(1);
                return;
            }
            QApplication::quit();
        });
    }
    return QApplication::exec();
}
