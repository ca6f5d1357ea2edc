// A calendar month "YYYY-MM" and the Unix time of its first second in UTC. The reference
// (process.py, get_timestamp_start) uses the machine's local time zone; we pin UTC so that the
// same files give the same dataset everywhere (for a UTC+8 machine the bounds shift by 8 h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flower::prepare {

struct Month {
    int year = 0;
    int month = 0;  // 1..12

    // Parses "YYYY-MM"; flower::Error naming `field` otherwise.
    static Month parse(std::string_view text, const std::string& field);
    std::string text() const;            // "2017-10"
    std::int64_t startUtc() const;       // seconds since 1970-01-01T00:00:00Z
    Month yearEarlier() const { return {year - 1, month}; }
};

}  // namespace flower::prepare
