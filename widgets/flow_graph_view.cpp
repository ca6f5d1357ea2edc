#include "widgets/flow_graph_view.h"

#include "widgets/flow_tree_model.h"
#include "widgets/plot_export.h"

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
    if (scene_->sceneRect().isEmpty()) return tr("nothing to export: no state is shown");
    // PNG at twice the scene's size, as before the common export path.
    return PlotExport::exportWidget(const_cast<FlowGraphView*>(this), tr("Prefix-tree flows"), file, 192);
}

}  // namespace flower::widgets
