// flower-workbench — the desktop GUI. Assembles the main window; everything else is in widgets/.
#include "core/util/runtime.h"
#include "flower/build_info.h"
#include "widgets/main_window.h"

#include <QApplication>
#include <QIcon>

int main(int argc, char** argv) {
    flower::util::ensurePassiveOpenMp(argc, argv);
    flower::util::configureTorchThreads();
    QApplication app(argc, argv);
    QApplication::setApplicationName("Flower Workbench");
    QApplication::setOrganizationName("flower-workbench");
    QApplication::setApplicationVersion(QString::fromLatin1(flower::build::kVersion));
    QApplication::setWindowIcon(QIcon(":/flower/icons/flower.svg"));
    flower::widgets::MainWindow window;
    window.show();
    return QApplication::exec();
}
