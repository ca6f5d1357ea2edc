// Title text as the reference's evaluation (Mr-Peach0301/Flower with_history/code/calc.py)
// treats it before comparing: Python's str.strip(chars) chains on generated titles, targets and
// catalogue names, and str.split() for the words of the lexical-diversity metrics.
//   generated title   t.strip(": \n").strip(" \n").strip("\"").strip(" ")
//   target (string)   t.strip(" \n")
//   target (list)     t[0].strip("\"").strip(" ")
//   catalogue name    t.strip("\"").strip(" ").strip("\n").strip("\"")
//   words             t.rstrip("\n").split()  (runs of Unicode white space, as str.isspace)
// The strip characters are ASCII, so stripping bytes of UTF-8 is exactly stripping code points.
// Pure functions, thread-safe; invalid UTF-8 is split as bytes (no error).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flower::eval {

// Python's s.strip(chars): removes every leading and trailing byte found in `chars`.
std::string_view stripChars(std::string_view s, std::string_view chars);

std::string normaliseGeneratedTitle(std::string_view title);
std::string normaliseTargetTitle(std::string_view title);
std::string normaliseListTargetTitle(std::string_view firstTitle);
std::string normaliseCatalogueTitle(std::string_view title);

// The words of a title: s.rstrip("\n").split() (views into `title`).
std::vector<std::string_view> titleWords(std::string_view title);

}  // namespace flower::eval
