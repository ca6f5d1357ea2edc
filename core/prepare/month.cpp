#include "core/prepare/month.h"

#include "core/util/error.h"

#include <charconv>
#include <cstdio>

namespace flower::prepare {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

Month Month::parse(std::string_view text, const std::string& field) {
    Month m;
    const auto fail = [&] {
        throw Error({"", 0, field}, "expected a month YYYY-MM (e.g. 2017-10), got '" +
                                        std::string(text) + "'");
    };
    if (text.size() != 7 || text[4] != '-') fail();
    const auto y = std::from_chars(text.data(), text.data() + 4, m.year);
    const auto mo = std::from_chars(text.data() + 5, text.data() + 7, m.month);
    if (y.ec != std::errc() || y.ptr != text.data() + 4 || mo.ec != std::errc() ||
        mo.ptr != text.data() + 7 || m.month < 1 || m.month > 12 || m.year < 1000) {
        fail();
    }
    return m;
}

std::string Month::text() const {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d", year, month);
    return buffer;
}

std::int64_t Month::startUtc() const {
    return daysFromCivil(year, static_cast<unsigned>(month), 1) * 86400;
}

}  // namespace flower::prepare
