#include "core/util/error.h"

#include <utility>

namespace flower {

namespace {
std::string compose(const ErrorLocation& where, const std::string& message) {
    const std::string prefix = describeLocation(where);
    return prefix.empty() ? message : prefix + ": " + message;
}
}  // namespace

std::string describeLocation(const ErrorLocation& where) {
    std::string out = where.file;
    if (where.line > 0) {
        out += (out.empty() ? "line " : " line ") + std::to_string(where.line);
    }
    if (!where.field.empty()) {
        out += (out.empty() ? "field " : ", field ") + where.field;
    }
    return out;
}

Error::Error(const std::string& message) : std::runtime_error(message), detail_(message) {}

Error::Error(ErrorLocation where, const std::string& message)
    : std::runtime_error(compose(where, message)), where_(std::move(where)), detail_(message) {}

}  // namespace flower
