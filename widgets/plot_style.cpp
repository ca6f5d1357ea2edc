#include "widgets/plot_style.h"

#include "widgets/custom_plot.h"

#include <array>

namespace flower::widgets {

bool PlotStyle::isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor PlotStyle::seriesColor(int index, const QPalette& palette) {
    // Okabe–Ito without its black and yellow (too faint on white), then two neutrals.
    static constexpr std::array<QRgb, 8> kLight = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                                   0x56B4E9, 0xE69F00, 0x6A3D9A, 0x7F7F7F};
    static constexpr std::array<QRgb, 8> kDark = {0x56B4E9, 0xFF8C42, 0x2FD3A0, 0xE59ACB,
                                                  0x9AD4F5, 0xF0C05A, 0xB79CED, 0xBFBFBF};
    const auto& colours = isDark(palette) ? kDark : kLight;
    return QColor(colours[static_cast<std::size_t>(index) % colours.size()]);
}

void PlotStyle::apply(QCustomPlot* plot, const QPalette& palette) {
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::WindowText);
    QColor axis = text;
    axis.setAlphaF(0.55F);
    QColor grid = text;
    grid.setAlphaF(isDark(palette) ? 0.16F : 0.12F);
    QColor subGrid = grid;
    subGrid.setAlphaF(grid.alphaF() * 0.5F);

    plot->setBackground(base);
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(base);
        for (QCPAxis* a : rect->axes()) {
            a->setBasePen(QPen(axis, 1));
            a->setTickPen(QPen(axis, 1));
            a->setSubTickPen(QPen(axis, 1));
            a->setTickLabelColor(text);
            a->setLabelColor(text);
            a->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
            a->grid()->setSubGridPen(QPen(subGrid, 1, Qt::DotLine));
            a->grid()->setZeroLinePen(Qt::NoPen);
        }
    }
    QColor legendBack = base;
    legendBack.setAlphaF(0.85F);
    plot->legend->setBrush(legendBack);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setTextColor(text);
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i) {
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i))) {
            title->setTextColor(text);
        }
    }
}

}  // namespace flower::widgets
