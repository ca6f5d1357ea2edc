#include "widgets/plot_grid.h"

#include <QGridLayout>
#include <QLabel>

namespace flower::widgets {

PlotGrid::PlotGrid(QWidget* parent) : QScrollArea(parent) {
    page_ = new QWidget;
    grid_ = new QGridLayout(page_);
    grid_->setContentsMargins(4, 4, 4, 4);
    empty_ = new QLabel(page_);
    empty_->setObjectName("empty");
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setWordWrap(true);
    grid_->addWidget(empty_, 0, 0, 1, 2);
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setWidget(page_);
}

LivePlot* PlotGrid::find(const std::string& key) const {
    for (const auto& [id, p] : plots_) {
        if (id.second == key) return p;
    }
    return nullptr;
}

LivePlot* PlotGrid::plot(const std::string& key, const QString& title, const QString& yLabel, int rank,
                         const std::function<void(LivePlot*)>& configure) {
    if (LivePlot* existing = find(key)) {
        return existing;
    }
    auto* p = new LivePlot(title, yLabel, page_);
    p->setObjectName(prefix_ + QString::fromStdString(key));
    p->setMinimumHeight(240);
    if (configure) configure(p);
    plots_[{rank, key}] = p;
    // Lay every plot out again so that the order does not depend on arrival.
    for (auto& [id, q] : plots_) grid_->removeWidget(q);
    int i = 0;
    for (auto& [id, q] : plots_) {
        grid_->addWidget(q, i / 2 + 1, i % 2);
        ++i;
    }
    empty_->hide();
    return p;
}

void PlotGrid::forEachPlot(const std::function<void(LivePlot*)>& f) {
    for (auto& [id, p] : plots_) f(p);
}

void PlotGrid::clear() {
    for (auto& [id, p] : plots_) {
        grid_->removeWidget(p);
        p->deleteLater();
    }
    plots_.clear();
    empty_->show();
}

void PlotGrid::setEmptyText(const QString& text) { empty_->setText(text); }

}  // namespace flower::widgets
