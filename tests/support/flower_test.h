// One way to write a test for every unit of the project: QtTest classes.
//
//   class TestCatalog : public QObject {
//       Q_OBJECT
//   private Q_SLOTS:        // QT_NO_KEYWORDS: LibTorch has a member named slots()
//       void readsItems();
//   };
//   ...
//   FLOWER_TEST_MAIN(TestCatalog, readsItems)
//   #include "test_catalog.moc"   // guarded by #ifdef FLOWER_TEST_QT in core tests
//
// Widget tests always build with Qt. Core tests must also build where no Qt is installed (a
// GPU machine has LibTorch but no Qt), so without Qt this header provides a small runner with
// the same macros (QVERIFY, QVERIFY2, QCOMPARE, QSKIP, QFAIL, QVERIFY_THROWS_EXCEPTION) and the
// same initTestCase/cleanupTestCase/init/cleanup protocol. Data-driven tests (_data/QFETCH)
// exist only under Qt, so core tests do not use them.
//
// FLOWER_TEST_MAIN lists the test functions once more; under Qt the list is checked against
// moc's, so a test function cannot be silently left out of the other build.
#pragma once

#include "core/util/paths.h"
#include "core/util/runtime.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace flower::test {

// Process set-up shared by both runners: passive OpenMP (re-exec) and LibTorch threads.
inline void prepare(int argc, char** argv) {
    util::ensureThreadEnvironment(argc, argv);
    util::configureTorchThreads();
}

// "a, b,  c" -> {"a","b","c"}
inline std::set<std::string> splitNames(const char* list) {
    std::set<std::string> names;
    std::string current;
    for (const char* p = list;; ++p) {
        if (*p == ',' || *p == '\0') {
            if (!current.empty()) {
                names.insert(current);
            }
            current.clear();
            if (*p == '\0') {
                break;
            }
        } else if (*p != ' ' && *p != '\n' && *p != '\t') {
            current += *p;
        }
    }
    return names;
}

}  // namespace flower::test

#ifdef FLOWER_TEST_QT
// ---------------------------------------------------------------------------------- QtTest
#include <QMetaMethod>
#include <QObject>
#include <QtTest>

namespace QTest {
template <>
inline char* toString(const std::string& s) {
    return qstrdup(("\"" + s + "\"").c_str());
}
}  // namespace QTest

namespace flower::test {
inline bool listedEqualsSlots(const QObject& object, const char* listed) {
    static const std::set<std::string> kSpecial = {"initTestCase", "cleanupTestCase", "init",
                                                   "cleanup"};
    std::set<std::string> declared;
    const QMetaObject* meta = object.metaObject();
    for (int i = meta->methodOffset(); i < meta->methodCount(); ++i) {
        const QMetaMethod method = meta->method(i);
        const std::string name = method.name().toStdString();
        const bool isDataFunction = name.size() > 5 && name.substr(name.size() - 5) == "_data";
        if (method.access() == QMetaMethod::Private && method.methodType() == QMetaMethod::Slot &&
            !kSpecial.count(name) && !isDataFunction) {
            declared.insert(name);
        }
    }
    const std::set<std::string> names = splitNames(listed);
    if (names == declared) {
        return true;
    }
    std::fprintf(stderr, "FLOWER_TEST_MAIN of %s lists other functions than its private slots\n",
                 meta->className());
    return false;
}
}  // namespace flower::test

#define FLOWER_TEST_MAIN(TestClass, ...)                                                    \
    int main(int argc, char** argv) {                                                       \
        flower::test::prepare(argc, argv);                                                  \
        TestClass tc;                                                                       \
        if (!flower::test::listedEqualsSlots(tc, #__VA_ARGS__)) {                           \
            return 1;                                                                       \
        }                                                                                   \
        return QTest::qExec(&tc, argc, argv);                                               \
    }

#else
// ------------------------------------------------------------------------- built-in runner
#include <cmath>
#include <csignal>
#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

#include <execinfo.h>
#include <unistd.h>

class QObject {
public:
    virtual ~QObject() = default;
};
struct FlowerTestRunner;
#define Q_OBJECT friend struct ::FlowerTestRunner;
#define Q_SLOTS

namespace flower::test {

struct Failure {
    std::string message;
};
struct Skip {
    std::string message;
};

template <typename T>
std::string show(const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
        return value ? "true" : "false";
    } else if constexpr (std::is_convertible_v<const T&, std::string>) {
        return "\"" + std::string(value) + "\"";
    } else if constexpr (requires(std::ostream& os) { os << value; }) {
        std::ostringstream os;
        os.precision(17);
        os << value;
        return os.str();
    } else {
        return "<value>";
    }
}

// QtTest compares floating point values with qFuzzyCompare; do the same.
template <typename A, typename B>
bool equalLikeQt(const A& a, const B& b) {
    if constexpr (std::is_floating_point_v<A> && std::is_floating_point_v<B>) {
        if (a == b) {
            return true;
        }
        using F = std::conditional_t<std::is_same_v<A, float> && std::is_same_v<B, float>, float,
                                     double>;
        const F fa = static_cast<F>(a), fb = static_cast<F>(b);
        const F scale = std::is_same_v<F, float> ? F(100000.f) : F(1000000000000.);
        return std::abs(fa - fb) * scale <= std::min(std::abs(fa), std::abs(fb));
    } else {
        return a == b;
    }
}

inline std::string where(const char* file, int line) {
    return std::string(file) + "(" + std::to_string(line) + ")";
}

template <typename A, typename B>
void compare(const A& actual, const B& expected, const char* actualText, const char* expectedText,
             const char* file, int line) {
    if (!equalLikeQt(actual, expected)) {
        throw Failure{std::string("Compared values are not the same\n   Actual   (") + actualText +
                      "): " + show(actual) + "\n   Expected (" + expectedText +
                      "): " + show(expected) + "\n   at " + where(file, line)};
    }
}

}  // namespace flower::test

#define QVERIFY2(cond, msg)                                                                 \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            throw flower::test::Failure{"'" #cond "' returned FALSE. (" + std::string(msg) + \
                                        ") at " + flower::test::where(__FILE__, __LINE__)}; \
        }                                                                                   \
    } while (false)
#define QVERIFY(cond) QVERIFY2(cond, "")
// A function call, as in QtTest: temporaries in `actual`/`expected` live until it returns.
#define QCOMPARE(actual, expected) \
    flower::test::compare((actual), (expected), #actual, #expected, __FILE__, __LINE__)
#define QFAIL(msg)                                                                          \
    throw flower::test::Failure {                                                           \
        std::string(msg) + " at " + flower::test::where(__FILE__, __LINE__)                \
    }
#define QSKIP(msg)                                                                          \
    throw flower::test::Skip {                                                              \
        std::string(msg)                                                                    \
    }
#define QVERIFY_THROWS_EXCEPTION(ExceptionType, ...)                                        \
    do {                                                                                    \
        bool flowerThrown_ = false;                                                         \
        try {                                                                               \
            __VA_ARGS__;                                                                    \
        } catch (const ExceptionType&) {                                                    \
            flowerThrown_ = true;                                                           \
        }                                                                                   \
        if (!flowerThrown_) {                                                               \
            throw flower::test::Failure{"Expected exception of type " #ExceptionType        \
                                        " to be thrown at " +                               \
                                        flower::test::where(__FILE__, __LINE__)};           \
        }                                                                                   \
    } while (false)

// Result of running one function: 0 pass, 1 fail, 2 skip.
namespace flower::test {
// The function running now, for the crash report: where QtTest names the function that
// crashed, a bare segfault would say nothing (seen on a GPU machine's LibTorch).
inline char gRunning[512] = "";
inline void reportCrash(int sig) {
    // Only async-signal-safe calls: write and backtrace_symbols_fd. A failed write cannot be
    // reported anywhere, so its result is dropped.
    auto say = [](const char* text) { [[maybe_unused]] auto n = ::write(STDOUT_FILENO, text, std::strlen(text)); };
    say("CRASH  : ");
    say(gRunning);
    say(sig == SIGSEGV ? " (SIGSEGV)\n" : sig == SIGBUS ? " (SIGBUS)\n" : " (SIGABRT)\n");
    void* frames[64];
    backtrace_symbols_fd(frames, backtrace(frames, 64), STDOUT_FILENO);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}
inline void installCrashReport() {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // what was printed before a crash is kept
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT}) std::signal(sig, reportCrash);
}

template <typename F>
int runGuarded(const std::string& name, F&& body) {
    std::snprintf(gRunning, sizeof gRunning, "%s", name.c_str());
    try {
        body();
        return 0;
    } catch (const Skip& skip) {
        std::printf("SKIP   : %s %s\n", name.c_str(), skip.message.c_str());
        return 2;
    } catch (const Failure& failure) {
        std::printf("FAIL!  : %s %s\n", name.c_str(), failure.message.c_str());
    } catch (const std::exception& e) {
        std::printf("FAIL!  : %s Caught unhandled exception: %s\n", name.c_str(), e.what());
    } catch (...) {
        std::printf("FAIL!  : %s Caught unhandled exception\n", name.c_str());
    }
    return 1;
}
}  // namespace flower::test

#define FLOWER_TEST_PARENS ()
#define FLOWER_TEST_EXPAND(...) FLOWER_TEST_EXPAND3(FLOWER_TEST_EXPAND3(FLOWER_TEST_EXPAND3(__VA_ARGS__)))
#define FLOWER_TEST_EXPAND3(...) FLOWER_TEST_EXPAND2(FLOWER_TEST_EXPAND2(FLOWER_TEST_EXPAND2(__VA_ARGS__)))
#define FLOWER_TEST_EXPAND2(...) FLOWER_TEST_EXPAND1(FLOWER_TEST_EXPAND1(FLOWER_TEST_EXPAND1(__VA_ARGS__)))
#define FLOWER_TEST_EXPAND1(...) __VA_ARGS__
#define FLOWER_TEST_FOR_EACH(macro, ...) \
    __VA_OPT__(FLOWER_TEST_EXPAND(FLOWER_TEST_FOR_EACH_HELPER(macro, __VA_ARGS__)))
#define FLOWER_TEST_FOR_EACH_HELPER(macro, a1, ...) \
    macro(a1) __VA_OPT__(FLOWER_TEST_FOR_EACH_AGAIN FLOWER_TEST_PARENS(macro, __VA_ARGS__))
#define FLOWER_TEST_FOR_EACH_AGAIN() FLOWER_TEST_FOR_EACH_HELPER
#define FLOWER_TEST_ENTRY(fn) {#fn, &Tested::fn},

#define FLOWER_TEST_MAIN(TestClass, ...)                                                    \
    struct FlowerTestRunner {                                                               \
        using Tested = TestClass;                                                           \
        static int run() {                                                                  \
            const std::vector<std::pair<std::string, void (Tested::*)()>> tests = {         \
                FLOWER_TEST_FOR_EACH(FLOWER_TEST_ENTRY, __VA_ARGS__)};                      \
            const std::string cls = #TestClass;                                             \
            std::printf("********* Start testing of %s (built-in runner) *********\n",      \
                        cls.c_str());                                                       \
            Tested tc;                                                                      \
            int passed = 0, failed = 0, skipped = 0;                                        \
            int init = runGuarded(cls + "::initTestCase()", [&] {                           \
                callHook_initTestCase(tc);           \
            });                                                                             \
            if (init == 0) {                                                                \
                for (const auto& [name, fn] : tests) {                                      \
                    const std::string full = cls + "::" + name + "()";                      \
                    int r = runGuarded(full, [&] {                                          \
                        callHook_init(tc);                   \
                        (tc.*fn)();                                                         \
                    });                                                                     \
                    runGuarded(full + " cleanup", [&] {                                     \
                        callHook_cleanup(tc);             \
                    });                                                                     \
                    if (r == 0) {                                                           \
                        std::printf("PASS   : %s\n", full.c_str());                         \
                        ++passed;                                                           \
                    } else if (r == 1) {                                                    \
                        ++failed;                                                           \
                    } else {                                                                \
                        ++skipped;                                                          \
                    }                                                                       \
                }                                                                           \
            } else if (init == 1) {                                                         \
                ++failed;                                                                   \
            } else {                                                                        \
                skipped += static_cast<int>(tests.size());                                  \
            }                                                                               \
            if (runGuarded(cls + "::cleanupTestCase()", [&] {                               \
                    callHook_cleanupTestCase(tc); \
                }) == 1) {                                                                  \
                ++failed;                                                                   \
            }                                                                               \
            std::printf("Totals: %d passed, %d failed, %d skipped\n", passed, failed,       \
                        skipped);                                                           \
            std::printf("********* Finished testing of %s *********\n", cls.c_str());       \
            return failed;                                                                  \
        }                                                                                   \
        /* hooks are optional; a template makes the requires-expression dependent */        \
        template <typename T>                                                               \
        static void callHook_initTestCase(T& t) {                                           \
            if constexpr (requires { t.initTestCase(); }) t.initTestCase();                 \
        }                                                                                   \
        template <typename T>                                                               \
        static void callHook_cleanupTestCase(T& t) {                                        \
            if constexpr (requires { t.cleanupTestCase(); }) t.cleanupTestCase();           \
        }                                                                                   \
        template <typename T>                                                               \
        static void callHook_init(T& t) {                                                   \
            if constexpr (requires { t.init(); }) t.init();                                 \
        }                                                                                   \
        template <typename T>                                                               \
        static void callHook_cleanup(T& t) {                                                \
            if constexpr (requires { t.cleanup(); }) t.cleanup();                           \
        }                                                                                   \
        template <typename F>                                                               \
        static int runGuarded(const std::string& name, F&& body) {                          \
            return flower::test::runGuarded(name, std::forward<F>(body));                   \
        }                                                                                   \
    };                                                                                      \
    int main(int argc, char** argv) {                                                       \
        flower::test::prepare(argc, argv);                                                  \
        flower::test::installCrashReport();                                                 \
        return FlowerTestRunner::run();                                                     \
    }
#endif

namespace flower::test {
// ../shared when present; otherwise the test calls QSKIP with this reason.
inline std::optional<std::filesystem::path> sharedDir() { return util::sharedDir(); }
inline const char* kNoShared = "../shared is absent (set FLOWER_SHARED_DIR): data test skipped";
}  // namespace flower::test

// Skips the current test when ../shared is absent; otherwise binds `var` to its path.
#define FLOWER_REQUIRE_SHARED(var)                                \
    const auto var##Opt_ = flower::test::sharedDir();             \
    if (!var##Opt_) {                                             \
        QSKIP(flower::test::kNoShared);                           \
    }                                                             \
    const std::filesystem::path var = *var##Opt_
