#include "core/compare/run_id_list.h"

#include "core/util/error.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace flower::compare {

namespace {

std::int64_t parseId(const std::string& s) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
        throw std::invalid_argument(s);
    }
    return std::stoll(s);
}

}  // namespace

std::vector<std::int64_t> parseRunIdList(const std::string& text, const std::string& option) {
    std::vector<std::int64_t> ids;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string part = text.substr(start, end - start);
        try {
            const auto dash = part.find('-');
            const std::int64_t first = parseId(part.substr(0, dash));
            const std::int64_t last = dash == std::string::npos ? first : parseId(part.substr(dash + 1));
            if (last < first || last - first > 100000) throw std::invalid_argument(part);
            for (std::int64_t id = first; id <= last; ++id) ids.push_back(id);
        } catch (const std::exception&) {
            throw Error({option, 0, ""}, "\"" + part + "\" is not a run id or a range such as 5-8 "
                                         "(expected e.g. " + option + " 1,3,5-8)");
        }
        start = end + 1;
    }
    return ids;
}

}  // namespace flower::compare
