#include "widgets/flow_graph_view.h"

#include "widgets/flow_tree_model.h"

#include <QBrush>
#include <QFileInfo>
#include <QFontMetrics>
#include <QGraphicsPathItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>

namespace flower::widgets {

using State = flow::FlowExplorer::State;

namespace {

constexpr double kParentX = 0, kParentW = 120;
constexpr double kNodeX = 160, kNodeW = 250;
constexpr double kChildX = 640, kChildW = 270, kChildH = 46, kGap = 10;
constexpr int kKeyData = 0;
constexpr int kKindData = 1;  // "child", "parent"

const QColor kBorder(0x3c, 0x6e, 0xa8);
const QColor kFill(0xea, 0xf2, 0xfb);
const QColor kEndBorder(0xc0, 0x6a, 0x1a);
const QColor kEndFill(0xfd, 0xf0, 0xe2);
const QColor kMoreFill(0xf2, 0xf2, 0xf2);

QString qt(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

// A box with up to three lines (the first bold), the lines elided to the box's width.
QGraphicsRectItem* box(QGraphicsScene& scene, QRectF rect, const QStringList& lines, const QColor& border,
                       const QColor& fill) {
    auto* r = scene.addRect(rect, QPen(border, 1.4), QBrush(fill));
    QFont bold;
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() + 1);
    QFont normal;
    double y = rect.top() + 5;
    for (int i = 0; i < lines.size(); ++i) {
        const QFont& f = i == 0 ? bold : normal;
        const QFontMetrics m(f);
        auto* t = new QGraphicsSimpleTextItem(m.elidedText(lines[i], Qt::ElideMiddle, static_cast<int>(rect.width() - 12)), r);
        t->setFont(f);
        t->setPos(rect.left() + 6, y);
        y += m.height() + 1;
    }
    return r;
}

}  // namespace

FlowGraphView::FlowGraphView(QWidget* parent) : QGraphicsView(parent), scene_(new QGraphicsScene(this)) {
    setScene(scene_);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setBackgroundBrush(Qt::white);
    setAlignment(Qt::AlignCenter);
    setMinimumSize(360, 240);
}

void FlowGraphView::setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer) {
    explorer_ = std::move(explorer);
    clearState();
}

void FlowGraphView::clearState() {
    scene_->clear();
    shown_.clear();
    texts_.clear();
    widths_.clear();
}

void FlowGraphView::showState(State state, const std::vector<flow::FlowExplorer::Child>& children) {
    clearState();
    if (!explorer_) return;
    const auto node = explorer_->node(state);
    const int shown = std::min<int>(maxChildren_, static_cast<int>(children.size()));
    const bool more = static_cast<int>(children.size()) > shown;
    const int boxes = std::max(1, shown + (more ? 1 : 0));
    const double height = boxes * kChildH + (boxes - 1) * kGap;
    const double mid = height / 2;

    // The state itself.
    const bool root = state == explorer_->root();
    QStringList lines;
    lines << (root ? tr("root (every title)") : "“" + qt(node.text) + "”");
    lines << tr("F = %1 · %2 titles").arg(FlowTreeModel::formatFlow(node.flow)).arg(node.titles);
    lines << (root ? tr("depth 0") : tr("depth %1 · share of all flow %2")
                                         .arg(node.depth)
                                         .arg(FlowTreeModel::formatProbability(node.flow / explorer_->flow(explorer_->root()))));
    const QRectF nodeRect(kNodeX, mid - 34, kNodeW, 68);
    box(*scene_, nodeRect, lines, node.terminal ? kEndBorder : kBorder, node.terminal ? kEndFill : kFill);
    texts_ << lines.front();

    // The parent, to climb.
    if (const auto p = explorer_->parent(state)) {
        const auto pn = explorer_->node(*p);
        QStringList pl;
        pl << tr("↑ parent");
        pl << (*p == explorer_->root() ? tr("root") : "“" + qt(pn.text) + "”");
        auto* r = box(*scene_, QRectF(kParentX, mid - 22, kParentW, 44), pl, QColor(0x88, 0x88, 0x88), kMoreFill);
        r->setData(kKeyData, QVariant::fromValue<quint64>(flow::FlowExplorer::key(*p)));
        r->setData(kKindData, QStringLiteral("parent"));
        r->setCursor(Qt::PointingHandCursor);
        r->setToolTip(tr("Climb to the parent state"));
        scene_->addLine(kParentX + kParentW, mid, kNodeX, mid, QPen(QColor(0x99, 0x99, 0x99), 1.2, Qt::DashLine));
    }

    if (children.empty()) {
        auto* t = scene_->addSimpleText(node.terminal ? tr("A title ends here: no children.") : tr("No children."));
        t->setPos(kChildX, mid - 8);
        scene_->setSceneRect(scene_->itemsBoundingRect().adjusted(-12, -12, 12, 12));
        fit();
        return;
    }

    const QPointF from(kNodeX + kNodeW, mid);
    const auto edge = [&](double y, double p, const QColor& colour) {
        const double w = std::max(0.75, p * kMaxEdgeWidth);
        QPainterPath path(from);
        const QPointF to(kChildX, y);
        path.cubicTo(QPointF((from.x() + to.x()) / 2, from.y()), QPointF((from.x() + to.x()) / 2, to.y()), to);
        QColor c = colour;
        c.setAlpha(170);
        QPen pen(c, w, p > 0 ? Qt::SolidLine : Qt::DashLine, Qt::FlatCap);
        auto* item = scene_->addPath(path, pen);
        item->setZValue(-1);
        return w;
    };

    for (int i = 0; i < shown; ++i) {
        const auto& c = children[static_cast<std::size_t>(i)];
        const double y = i * (kChildH + kGap);
        QStringList cl;
        cl << (c.terminates ? tr("⊤  (end of title)") : "“" + qt(c.text) + "”");
        cl << tr("F %1 · p %2 · log r %3")
                  .arg(FlowTreeModel::formatFlow(c.flow), FlowTreeModel::formatProbability(c.probability),
                       FlowTreeModel::formatLogReward(c.logReward));
        auto* r = box(*scene_, QRectF(kChildX, y, kChildW, kChildH), cl, c.terminates ? kEndBorder : kBorder,
                      c.terminates ? kEndFill : kFill);
        r->setData(kKeyData, QVariant::fromValue<quint64>(flow::FlowExplorer::key(c.state)));
        r->setData(kKindData, QStringLiteral("child"));
        QStringList ids;
        for (const auto t : c.tokens) ids << QString::number(t);
        r->setToolTip(tr("%1\ntoken ids %2 · %3 titles below\nclick to descend")
                          .arg(qt(explorer_->node(c.state).text), ids.join(", "))
                          .arg(c.titles));
        if (explorer_->hasChildren(c.state)) r->setCursor(Qt::PointingHandCursor);
        widths_.push_back(edge(y + kChildH / 2, c.probability, c.terminates ? kEndBorder : kBorder));
        shown_.push_back(c.state);
        texts_ << cl.front();
    }
    if (more) {
        double f = 0, p = 0;
        for (std::size_t i = static_cast<std::size_t>(shown); i < children.size(); ++i) {
            f += children[i].flow;
            p += children[i].probability;
        }
        const double y = shown * (kChildH + kGap);
        QStringList ml;
        ml << tr("+ %1 more children").arg(children.size() - static_cast<std::size_t>(shown));
        ml << tr("F %1 · p %2 in all (tree)").arg(FlowTreeModel::formatFlow(f), FlowTreeModel::formatProbability(p));
        box(*scene_, QRectF(kChildX, y, kChildW, kChildH), ml, QColor(0x88, 0x88, 0x88), kMoreFill);
        edge(y + kChildH / 2, p, QColor(0x88, 0x88, 0x88));
        texts_ << ml.front();
    }
    auto* legend = scene_->addSimpleText(tr("edge width ∝ flow F(child) = p × F(state)"));
    legend->setBrush(QColor(0x66, 0x66, 0x66));
    legend->setPos(kNodeX, nodeRect.bottom() + 10);
    scene_->setSceneRect(scene_->itemsBoundingRect().adjusted(-12, -12, 12, 12));
    fit();
}

void FlowGraphView::fit() {
    const QRectF r = scene_->sceneRect();
    if (r.isEmpty() || viewport()->width() < 10) return;
    const double s = std::min({viewport()->width() / r.width(), viewport()->height() / r.height(), 1.8});
    setTransform(QTransform::fromScale(s, s));
    centerOn(r.center());
}

void FlowGraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    fit();
}

void FlowGraphView::mousePressEvent(QMouseEvent* event) {
    for (QGraphicsItem* item = itemAt(event->position().toPoint()); item != nullptr; item = item->parentItem()) {
        if (item->data(kKindData).isValid()) {
            Q_EMIT stateActivated(item->data(kKeyData).value<quint64>());
            return;
        }
    }
    QGraphicsView::mousePressEvent(event);
}

QString FlowGraphView::exportTo(const QString& file) const {
    const QRectF r = scene_->sceneRect();
    if (r.isEmpty()) return tr("nothing to export: no state is shown");
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (suffix == "png") {
        QImage image((r.size() * 2).toSize(), QImage::Format_ARGB32);
        image.fill(Qt::white);
        QPainter p(&image);
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
        scene_->render(&p, QRectF(), r);
        p.end();
        return image.save(file, "PNG") ? QString() : tr("could not write %1").arg(file);
    }
    if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(file);
        svg.setSize(r.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), r.size()));
        svg.setTitle(tr("Prefix-tree flows"));
        QPainter p;
        if (!p.begin(&svg)) return tr("could not write %1").arg(file);
        scene_->render(&p, QRectF(QPointF(0, 0), r.size()), r);
        p.end();
        return {};
    }
    if (suffix == "pdf") {
        QPdfWriter pdf(file);
        pdf.setPageSize(QPageSize(r.size(), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(tr("Prefix-tree flows"));
        QPainter p;
        if (!p.begin(&pdf)) return tr("could not write %1").arg(file);
        scene_->render(&p, QRectF(), r);
        p.end();
        return {};
    }
    return tr("unknown format \"%1\": use .png, .svg or .pdf").arg(suffix);
}

}  // namespace flower::widgets
