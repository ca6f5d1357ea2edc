// `flower tokenize`: the tokenizer from the command line. Part of the `flower` program itself, not
// of libflower_commands.so: it needs no LibTorch, so it starts without loading it (main.cpp).
#include "command.h"

#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using flower::Error;
using flower::text::TokenId;
using flower::text::Tokenizer;

std::string tokenizerPathOr(const std::string& given) {
    return given.empty() ? flower::util::defaultTokenizerPath().string() : given;
}

// Runs `onLine(json, lineNumber)` for each line of `input` ("-" = standard input).
template <typename F>
void forEachJsonLine(const std::string& input, F&& onLine) {
    std::ifstream file;
    std::istream* in = &std::cin;
    const std::string name = input == "-" ? "<stdin>" : input;
    if (input != "-") {
        file.open(input, std::ios::binary);
        if (!file) throw Error({input, 0, ""}, "cannot open the input file");
        in = &file;
    }
    std::string line;
    std::int64_t number = 0;
    while (std::getline(*in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        nlohmann::json value;
        try {
            value = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error&) {
            throw Error({name, number, ""}, "expected one JSON value on the line");
        }
        onLine(value, flower::ErrorLocation{name, number, ""});
    }
}

struct TokenizeOptions {
    std::string tokenizer;
    std::string input = "-";
    bool decode = false;
};

void runTokenize(const TokenizeOptions& o) {
    const Tokenizer tokenizer = Tokenizer::fromFile(tokenizerPathOr(o.tokenizer));
    std::string out;
    forEachJsonLine(o.input, [&](const nlohmann::json& value, const flower::ErrorLocation& where) {
        if (o.decode) {
            const nlohmann::json& ids = value.is_object() && value.contains("ids") ? value["ids"] : value;
            if (!ids.is_array() || !std::all_of(ids.begin(), ids.end(), [](const auto& v) { return v.is_number_integer(); })) {
                throw Error(where, "expected a JSON array of token ids (or an object with \"ids\")");
            }
            const auto list = ids.get<std::vector<TokenId>>();
            try {
                out = nlohmann::json(tokenizer.decode(list)).dump(-1, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace);
            } catch (const Error& e) {
                throw Error(where, e.detail());
            }
        } else {
            const nlohmann::json& text = value.is_object() && value.contains("text") ? value["text"] : value;
            if (!text.is_string()) {
                throw Error(where, "expected a JSON string (or an object with a \"text\" string)");
            }
            try {
                out = nlohmann::json(tokenizer.encode(text.get<std::string>())).dump();
            } catch (const Error& e) {
                throw Error(where, e.detail());
            }
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fputc('\n', stdout);
    });
}

const flower::cli::Registration kTokenize(20, [](CLI::App& root) {
    auto o = std::make_shared<TokenizeOptions>();
    auto* cmd = root.add_subcommand(
        "tokenize", "Tokenize lines (each a JSON string or {\"text\": ...}) into JSON arrays of ids, "
                    "or --decode arrays back to JSON strings");
    cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the one scripts/setup.sh fetched)");
    cmd->add_option("--input", o->input, "input file, one JSON value a line (default: standard input)");
    cmd->add_flag("--decode", o->decode, "decode arrays of token ids (or {\"ids\": [...]}) to text");
    cmd->callback([o] { runTokenize(*o); });
});

}  // namespace
