// The entry point of libflower_plot_commands.so: `flower export --plot` without the GUI.
// The `flower` program never links Qt; cmd_runs.cpp dlopens this library (beside
// libflower_commands.so) only when --plot is given, so no other command pays for loading Qt.
// A C function with JSON in and out keeps the two sides free of each other's types.
//
// request: {"db": FILE, "runs": [ids], "plot": "loss"|"histogram"|"divergence"|"metrics",
//           "format": "png"|"svg"|"pdf", "out": FILE, "unit": "mm"|"px", "width": w,
//           "height": h, "dpi": n, "one_per_plot": bool, "timeout_s": s}
// result (written into `result`, NUL-terminated, cut at resultSize): {"files": [...]} on
// success (return 0), {"error": "..."} otherwise (return 1).
#pragma once

#include <cstddef>

#define FLOWER_RENDER_PLOTS_SYMBOL "flower_render_plots"

extern "C" {
using FlowerRenderPlotsFn = int (*)(const char* request, char* result, std::size_t resultSize);
int flower_render_plots(const char* request, char* result, std::size_t resultSize);
}
