// Typed access to the fields of a parsed JSON document with flower::Error messages that name
// the file and the field path ("tokenizer.json, field model.merges[12]: expected a string").
// Used by the tokenizer and flow-table loaders; header-only because every caller is small.
#pragma once

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace flower::text::json_access {

inline const char* typeName(const nlohmann::json& value) { return value.type_name(); }

// `object[key]`, or an Error naming `path.key` when absent.
inline const nlohmann::json& member(const nlohmann::json& object, const std::string& key,
                                    const std::string& file, const std::string& path) {
    const std::string field = path.empty() ? key : path + "." + key;
    if (!object.is_object()) {
        throw Error({file, 0, path}, std::string("expected an object, found ") + typeName(object));
    }
    const auto it = object.find(key);
    if (it == object.end()) {
        throw Error({file, 0, field}, "missing");
    }
    return *it;
}

inline std::string string(const nlohmann::json& value, const std::string& file,
                          const std::string& field) {
    if (!value.is_string()) {
        throw Error({file, 0, field}, std::string("expected a string, found ") + typeName(value));
    }
    return value.get<std::string>();
}

inline bool boolean(const nlohmann::json& value, const std::string& file, const std::string& field) {
    if (!value.is_boolean()) {
        throw Error({file, 0, field}, std::string("expected true or false, found ") + typeName(value));
    }
    return value.get<bool>();
}

inline std::int64_t integer(const nlohmann::json& value, const std::string& file,
                            const std::string& field) {
    if (!value.is_number_integer()) {
        throw Error({file, 0, field}, std::string("expected an integer, found ") + typeName(value));
    }
    return value.get<std::int64_t>();
}

// An optional boolean member: `fallback` when absent or null.
inline bool optionalBool(const nlohmann::json& object, const std::string& key, bool fallback,
                         const std::string& file, const std::string& path) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return fallback;
    }
    return boolean(*it, file, path.empty() ? key : path + "." + key);
}

// Parses `text` as JSON; a syntax error (a truncated file, say) becomes an Error with the line.
inline nlohmann::json parse(const std::string& text, const std::string& file) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        std::int64_t line = 1;
        const std::size_t end = std::min<std::size_t>(e.byte, text.size());
        for (std::size_t i = 0; i < end; ++i) {
            line += text[i] == '\n' ? 1 : 0;
        }
        std::string what = e.what();
        const auto cut = what.find("parse error");
        throw Error({file, line, ""},
                    "not valid JSON (" + (cut == std::string::npos ? what : what.substr(cut)) + ")");
    }
}

}  // namespace flower::text::json_access
