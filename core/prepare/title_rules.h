// The reference's title rules (process.py): a meta record is dropped when it has no `title` or
// the title contains `<span id`; otherwise the title is cleaned — `&quot;` → `"`, `&amp;` → `&`,
// spaces stripped from both ends, then `"` stripped from both ends — and kept only if it is
// longer than one character and has at most 20 words when split on single spaces (Python's
// `split(" ")`, so runs of spaces count empty words).
//
// Quirk kept on purpose: the reference writes the cleaned title back into the meta record, and
// when the window widens it runs again on the same records, so a title is cleaned once per
// round (`cleanTitle(raw, rounds)`). For most titles a second clean changes nothing; for
// `" x"`-like titles it does, and a bad title can turn good (or the reverse) in a later round.
#pragma once

#include <string>
#include <string_view>

namespace flower::prepare {

// True when the record's title rules it out before cleaning (contains "<span id").
bool hasSpanMarkup(std::string_view title);
// One application of the reference's cleaning.
std::string cleanTitleOnce(std::string_view title);
// `rounds` applications (rounds ≥ 1).
std::string cleanTitle(std::string_view title, int rounds);
// Python: len(t) > 1 and len(t.split(" ")) <= 20 — length in code points, not bytes.
bool isAcceptedTitle(std::string_view cleaned);

}  // namespace flower::prepare
