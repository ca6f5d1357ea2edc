// MainWindow — the workbench's frame: menus, the central area where experiment, run and
// tree views are docked, and the status bar. It owns no run state (RunController does).
#pragma once

#include <QMainWindow>

class QAction;
class QLabel;

namespace flower::widgets {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Text of the About box (also used by tests and `--about`).
    static QString aboutText();

public Q_SLOTS:
    void showAbout();

private:
    void buildMenus();

    QLabel* welcome_ = nullptr;
};

}  // namespace flower::widgets
