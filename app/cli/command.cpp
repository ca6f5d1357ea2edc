#include "command.h"

#include <algorithm>
#include <utility>

namespace flower::cli {

namespace {
struct Entry {
    int order;
    CommandSetup setup;
};
// A function-local static: registrations run during static initialisation, in any order.
std::vector<Entry>& registry() {
    static std::vector<Entry> entries;
    return entries;
}
}  // namespace

Registration::Registration(int order, CommandSetup setup) {
    registry().push_back({order, std::move(setup)});
}

std::vector<CommandSetup> registeredCommands() {
    std::vector<Entry> entries = registry();
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.order < b.order; });
    std::vector<CommandSetup> setups;
    for (auto& e : entries) {
        setups.push_back(std::move(e.setup));
    }
    return setups;
}

}  // namespace flower::cli
