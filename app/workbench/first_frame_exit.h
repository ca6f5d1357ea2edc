// Start-up measurement of flower-workbench: with FLOWER_EXIT_AFTER_FIRST_FRAME set (non-empty),
// the program exits with status 0, skipping all clean-up, as soon as its main window has painted
// its first frame — so the wall time of the whole process (launcher included) is the time until
// the window shows. app/launcher/README.md has the figures and the command that measures them.
#pragma once

#include <QApplication>
#include <QEvent>
#include <QObject>
#include <QTimer>
#include <QWidget>

#include <cstdio>
#include <cstdlib>

namespace flower::app {

class FirstFrameExit : public QObject {
public:
    FirstFrameExit(QWidget& window, QObject* parent) : QObject(parent), window_(window) {}

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (!seen_ && event->type() == QEvent::Paint && watched->isWidgetType() &&
            static_cast<QWidget*>(watched)->window() == &window_) {
            seen_ = true;
            // Queued: it runs once this repaint (every widget of the window, then the flush of
            // the backing store to the window system) is complete.
            QTimer::singleShot(0, [] {
                std::fflush(nullptr);
                std::_Exit(0);
            });
        }
        return false;
    }

private:
    QWidget& window_;
    bool seen_ = false;
};

// Call once the main window exists (before or after show(); it paints in the event loop).
inline void exitAfterFirstFrameIfAsked(QWidget& window) {
    const char* asked = std::getenv("FLOWER_EXIT_AFTER_FIRST_FRAME");
    if (asked != nullptr && *asked != '\0') {
        qApp->installEventFilter(new FirstFrameExit(window, qApp));
    }
}

}  // namespace flower::app
