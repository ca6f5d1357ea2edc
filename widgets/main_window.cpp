#include "widgets/main_window.h"

#include "flower/build_info.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

namespace flower::widgets {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName("MainWindow");
    setWindowTitle(tr("Flower Workbench"));
    setWindowIcon(QIcon(":/flower/icons/flower.svg"));
    welcome_ = new QLabel(
        tr("<h2>Flower Workbench</h2>"
           "<p>Configure an experiment, run SFT or Flower on a worker thread, and compare the "
           "popularity groups and divergences of what the policy recommends.</p>"),
        this);
    welcome_->setObjectName("welcome");
    welcome_->setAlignment(Qt::AlignCenter);
    welcome_->setWordWrap(true);
    setCentralWidget(welcome_);
    buildMenus();
    statusBar()->showMessage(tr("Ready"));
    resize(1100, 720);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->setObjectName("menuFile");
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName("actionQuit");
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->setObjectName("menuRun");
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName("menuView");

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName("menuHelp");
    QAction* about = help->addAction(tr("&About Flower Workbench"), this, &MainWindow::showAbout);
    about->setObjectName("actionAbout");
    QAction* aboutQt = help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    aboutQt->setObjectName("actionAboutQt");
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
