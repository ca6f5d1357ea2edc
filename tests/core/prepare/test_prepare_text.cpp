// Text as the reference's Python writes it (repr of str and float, csv quoting, json strings),
// the title rules, months in UTC and SHA-256. Expected strings were printed by CPython 3.11.7
// here (the expression is given with each) or worked out by hand from the rules.
#include "core/prepare/month.h"
#include "core/prepare/python_text.h"
#include "core/prepare/sha256.h"
#include "core/prepare/title_rules.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

using namespace flower::prepare;

class TestPrepareText : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stringRepr();
    void floatRepr();
    void csvQuoting();
    void jsonStrings();
    void titleCleaning();
    void titleAcceptance();
    void monthsInUtc();
    void sha256Vectors();
};

void TestPrepareText::stringRepr() {
    QCOMPARE(pythonRepr("Alpha"), std::string("'Alpha'"));
    // repr("it's") → "it's" (double quotes when only a single quote occurs)
    QCOMPARE(pythonRepr("it's"), std::string("\"it's\""));
    // repr('a"b\'c') → 'a"b\'c'
    QCOMPARE(pythonRepr("a\"b'c"), std::string("'a\"b\\'c'"));
    QCOMPARE(pythonRepr("back\\slash\ttab\nnl\rcr"), std::string("'back\\\\slash\\ttab\\nnl\\rcr'"));
    // repr('a\xa0b\u200b\U0001F600\x7f\x85é') → 'a\xa0b\u200b😀\x7f\x85é'
    QCOMPARE(pythonRepr("a\xc2\xa0" "b\xe2\x80\x8b\xf0\x9f\x98\x80\x7f\xc2\x85\xc3\xa9"),
             std::string("'a\\xa0b\\u200b\xf0\x9f\x98\x80\\x7f\\x85\xc3\xa9'"));
    // repr('\x01') → '\x01'; repr('\u3000') (ideographic space, Zs) → '\u3000'
    QCOMPARE(pythonRepr("\x01"), std::string("'\\x01'"));
    QCOMPARE(pythonRepr("\xe3\x80\x80"), std::string("'\\u3000'"));
}

void TestPrepareText::floatRepr() {
    // repr(1e16), repr(1e15), repr(0.0001), repr(0.00001), repr(-0.0), repr(123.456),
    // repr(1.5e-7), repr(2.5e20), repr(1/3), repr(2.0**60)
    QCOMPARE(pythonFloatRepr(5.0), std::string("5.0"));
    QCOMPARE(pythonFloatRepr(1e16), std::string("1e+16"));
    QCOMPARE(pythonFloatRepr(1e15), std::string("1000000000000000.0"));
    QCOMPARE(pythonFloatRepr(0.0001), std::string("0.0001"));
    QCOMPARE(pythonFloatRepr(0.00001), std::string("1e-05"));
    QCOMPARE(pythonFloatRepr(-0.0), std::string("-0.0"));
    QCOMPARE(pythonFloatRepr(123.456), std::string("123.456"));
    QCOMPARE(pythonFloatRepr(1.5e-7), std::string("1.5e-07"));
    QCOMPARE(pythonFloatRepr(2.5e20), std::string("2.5e+20"));
    QCOMPARE(pythonFloatRepr(1.0 / 3), std::string("0.3333333333333333"));
    QCOMPARE(pythonFloatRepr(1152921504606846976.0), std::string("1.152921504606847e+18"));
}

void TestPrepareText::csvQuoting() {
    // csv.writer(b).writerow(['a b', ' x', '', "q'", 'c"d', 'e,f', 'g\rh'])
    //   → 'a b, x,,q\',"c""d","e,f","g\rh"\r\n'
    std::string out;
    bool first = true;
    for (const char* f : {"a b", " x", "", "q'", "c\"d", "e,f", "g\rh"}) {
        if (!first) out += ',';
        first = false;
        appendCsvField(out, f);
    }
    QCOMPARE(out, std::string("a b, x,,q',\"c\"\"d\",\"e,f\",\"g\rh\""));
}

void TestPrepareText::jsonStrings() {
    // json.dumps('a\x01\x7f\u2028"/\\é', ensure_ascii=False) → "a\u0001\x7f\u2028\"/\\é" (raw
    // U+007F and U+2028, '/' unescaped)
    std::string out;
    appendJsonString(out, "a\x01\x7f\xe2\x80\xa8\"/\\\xc3\xa9\n\t");
    QCOMPARE(out, std::string("\"a\\u0001\x7f\xe2\x80\xa8\\\"/\\\\\xc3\xa9\\n\\t\""));
}

void TestPrepareText::titleCleaning() {
    QCOMPARE(cleanTitleOnce("Beta &amp; Gamma"), std::string("Beta & Gamma"));
    QCOMPARE(cleanTitleOnce("&quot;Quoted&quot;"), std::string("Quoted"));
    // &quot; is replaced before &amp;: "&amp;quot;" → "&quot;", a second round → '"'.
    QCOMPARE(cleanTitleOnce("A &amp;quot;B"), std::string("A &quot;B"));
    QCOMPARE(cleanTitle("A &amp;quot;B", 2), std::string("A \"B"));
    // Spaces first, then quotes: '" Zed"' → ' Zed'; a second round strips the space.
    QCOMPARE(cleanTitleOnce("\" Zed\""), std::string(" Zed"));
    QCOMPARE(cleanTitle("\" Zed\"", 2), std::string("Zed"));
    QCOMPARE(cleanTitleOnce("  Spaced  "), std::string("Spaced"));
    QCOMPARE(cleanTitleOnce("\t tab"), std::string("\t tab"));  // only ' ' is stripped
    QVERIFY(hasSpanMarkup("<span id=\"x\">Spam</span>"));
    QVERIFY(!hasSpanMarkup("<span class=\"x\">"));
}

void TestPrepareText::titleAcceptance() {
    QVERIFY(!isAcceptedTitle(""));
    QVERIFY(!isAcceptedTitle("X"));
    QVERIFY(!isAcceptedTitle("\xc3\xa9"));  // one character in two bytes
    QVERIFY(isAcceptedTitle("Ab"));
    std::string twenty = "w";
    for (int i = 1; i < 20; ++i) twenty += " w";
    QVERIFY(isAcceptedTitle(twenty));
    QVERIFY(!isAcceptedTitle(twenty + " w"));
    // split(" ") counts empty words: 19 words with one double space = 20 parts.
    std::string nineteen = "w";
    for (int i = 1; i < 19; ++i) nineteen += i == 5 ? "  w" : " w";
    QVERIFY(isAcceptedTitle(nineteen));
    QVERIFY(!isAcceptedTitle(nineteen + "  w"));
}

void TestPrepareText::monthsInUtc() {
    // calendar.timegm(datetime.datetime(2017, 10, 1).timetuple()) → 1506816000; 2018-11 →
    // 1541030400; 1996-01 → 820454400
    QCOMPARE(Month::parse("2017-10", "start").startUtc(), std::int64_t{1506816000});
    QCOMPARE(Month::parse("2018-11", "end").startUtc(), std::int64_t{1541030400});
    QCOMPARE(Month::parse("1996-01", "start").startUtc(), std::int64_t{820454400});
    QCOMPARE(Month::parse("2017-10", "start").yearEarlier().text(), std::string("2016-10"));
    for (const char* bad : {"2017-13", "2017-1", "17-10", "2017/10", "2017-00", "abcd-10"}) {
        QVERIFY_THROWS_EXCEPTION(flower::Error, Month::parse(bad, "start"));
    }
}

void TestPrepareText::sha256Vectors() {
    // hashlib.sha256(b'abc'), hashlib.sha256(b'a' * 1000) (FIPS 180-2 example and a multi-block one)
    Sha256 a;
    a.update("abc", 3);
    QCOMPARE(a.hexDigest(), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    Sha256 b;
    const std::string thousand(1000, 'a');
    b.update(thousand.data(), 7);  // in uneven pieces
    b.update(thousand.data() + 7, 600);
    b.update(thousand.data() + 607, 393);
    QCOMPARE(b.hexDigest(), std::string("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"));
    // The portable code gives the same vectors, and the same digest as the SHA extensions (when
    // this CPU has them) for every length around the block and padding boundaries.
    Sha256 portable(false);
    portable.update("abc", 3);
    QCOMPARE(portable.hexDigest(), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    std::string data;
    for (int i = 0; i < 5000; ++i) data += static_cast<char>((i * 131 + 7) % 251);
    for (const std::size_t length : {0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 5000}) {
        Sha256 hw(true), sw(false);
        hw.update(data.data(), length);
        sw.update(data.data(), length);
        QCOMPARE(hw.hexDigest(), sw.hexDigest());
    }
}

FLOWER_TEST_MAIN(TestPrepareText, stringRepr, floatRepr, csvQuoting, jsonStrings, titleCleaning,
                 titleAcceptance, monthsInUtc, sha256Vectors)
#ifdef FLOWER_TEST_QT
#include "test_prepare_text.moc"
#endif
