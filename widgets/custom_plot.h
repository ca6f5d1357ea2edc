// The one way widgets/ includes QCustomPlot. Its header uses Qt's `signals` and `foreach`
// keywords, which QT_NO_KEYWORDS (kept on everywhere for LibTorch, see NOTES.md) removes; they
// are defined to their Q_ forms around the include only, then undefined again.
#pragma once

#include <QtGlobal>

#if defined(signals) || defined(foreach)
#include <qcustomplot.h>
#else
#define signals Q_SIGNALS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef foreach
#endif
