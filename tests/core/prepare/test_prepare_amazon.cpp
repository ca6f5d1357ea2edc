// prepareAmazon end to end on raw files written by the test, checked row for row against the
// output of the Flower authors' own with_history/code/process.py and notebook run on the same
// files. The trap cases are in the raw lines: reviews before the start / after the end / exactly
// at the end bound, an item and a user under K (I15, then U7 in the next pass), every title
// rule (&amp;, &quot;, spaces then quotes, <span id, no title, one character, 21 words, exactly
// 20 words, a later duplicate overwriting a title, a bad duplicate removing one, a comma and a
// quote for csv/repr, é and a no-break space that repr escapes), repeated reviews of one item,
// equal timestamps (stable sorts), an asin without meta, and years 2016-10 … 2017-09 that only a
// widened window sees (scenario B: --min-items 10 widens once, and the title '" Zed"' is cleaned
// twice there, as the reference's recursion does).
//
// How the expected texts were produced (on this machine, CPython 3.11.7, TZ=UTC so that the
// reference's local-time bounds are the UTC ones we pin): the raw lines below were written by a
// small script (json.dumps per record), process.py was run unchanged except for its hard-coded
// 3000 (0 for scenario A, 10 for B) — gao("T", K=2, st_year=2017, st_month=10, ed_year=2018,
// ed_month=11) with fire/loguru/tqdm stubbed — and the notebook's cells (title counts from
// train.csv's history_item_title, split_dict_into_groups(…, 8), json.dump(indent=4,
// ensure_ascii=False)) gave the two JSON files. CSV texts are shown with '\n' line ends (the
// files have '\r\n') and <NBSP> for U+00A0.
#include "core/data/dataset.h"
#include "core/prepare/prepare_amazon.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace flower::prepare;
namespace fs = std::filesystem;

namespace {

const char* const kMeta = R"({"asin": "I01", "title": "Alpha", "category": ["Movies"], "details": {"a": {"b": [1, 2, {"c": null}]}}}
{"asin": "I02", "title": "Beta &amp; Gamma", "description": ["<b>x</b>, \"y\""]}
{"asin": "I03", "title": "&quot;Quoted&quot;"}
{"asin": "I04", "description": "no title here"}
{"asin": "I05", "title": "<span id=\"x\">Spam</span>"}
{"asin": "I06", "title": "X"}
{"asin": "I07", "title": "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20"}
{"asin": "I08", "title": "Old Eight"}
{"asin": "I09", "title": "Nine"}
{"asin": "I10", "title": "It's a title, with comma"}
{"asin": "I11", "title": "Caf\u00e9\u00a0Noir"}
{"asin": "I12", "title": "  Spaced  "}
{"asin": "I13", "title": "\" Zed\""}
{"asin": "I14", "title": "Old Timer"}
{"asin": "I15", "title": "Lonely"}
{"asin": "I08", "title": "New Eight"}
{"asin": "I09"}
{"asin": "I16", "title": "Twenty words v v v v v v v v v v v v v v v v v v"}
)";
const char* const kReviews = R"({"overall": 5.0, "verified": true, "reviewerID": "U1", "asin": "I01", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1509494400}
{"overall": 4.0, "verified": true, "reviewerID": "U1", "asin": "I02", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1512086400}
{"overall": 3.0, "verified": true, "reviewerID": "U1", "asin": "I03", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1514764800}
{"overall": 5.0, "verified": true, "reviewerID": "U1", "asin": "I10", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1517443200}
{"overall": 5.0, "verified": true, "reviewerID": "U2", "asin": "I01", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1509840000}
{"overall": 2.0, "verified": true, "reviewerID": "U2", "asin": "I02", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1509840000}
{"overall": 1.0, "verified": true, "reviewerID": "U2", "asin": "I10", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1519862400}
{"overall": 5.0, "verified": true, "reviewerID": "U2", "asin": "I11", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1522540800}
{"overall": 5.0, "verified": true, "reviewerID": "U3", "asin": "I03", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1525132800}
{"overall": 5.0, "verified": true, "reviewerID": "U3", "asin": "I11", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1525132800}
{"overall": 5.0, "verified": true, "reviewerID": "U3", "asin": "I12", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1525219200}
{"overall": 4.0, "verified": true, "reviewerID": "U3", "asin": "I12", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1527897600}
{"overall": 5.0, "verified": true, "reviewerID": "U4", "asin": "I12", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1530403200}
{"overall": 5.0, "verified": true, "reviewerID": "U4", "asin": "I01", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1527811200}
{"overall": 5.0, "verified": true, "reviewerID": "U4", "asin": "I08", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1533081600}
{"overall": 5.0, "verified": true, "reviewerID": "U4", "asin": "I13", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1535760000}
{"overall": 5.0, "verified": true, "reviewerID": "U5", "asin": "I08", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1533168000}
{"overall": 5.0, "verified": true, "reviewerID": "U5", "asin": "I02", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1533254400}
{"overall": 3.0, "verified": true, "reviewerID": "U5", "asin": "I13", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1541030400}
{"overall": 5.0, "verified": true, "reviewerID": "U5", "asin": "I16", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1536451200}
{"overall": 5.0, "verified": true, "reviewerID": "U6", "asin": "I16", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1536537600}
{"overall": 5.0, "verified": true, "reviewerID": "U6", "asin": "I10", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1536624000}
{"overall": 5.0, "verified": true, "reviewerID": "U1", "asin": "I04", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1514851200}
{"overall": 5.0, "verified": true, "reviewerID": "U2", "asin": "I05", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1514937600}
{"overall": 5.0, "verified": true, "reviewerID": "U3", "asin": "I06", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1515024000}
{"overall": 5.0, "verified": true, "reviewerID": "U4", "asin": "I07", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1515110400}
{"overall": 5.0, "verified": true, "reviewerID": "U5", "asin": "I09", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1515196800}
{"overall": 5.0, "verified": true, "reviewerID": "U6", "asin": "I99", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1515283200}
{"overall": 5.0, "verified": true, "reviewerID": "U7", "asin": "I15", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1517529600}
{"overall": 5.0, "verified": true, "reviewerID": "U7", "asin": "I01", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1517616000}
{"overall": 5.0, "verified": true, "reviewerID": "U1", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1541030401}
{"overall": 5.0, "verified": true, "reviewerID": "U2", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1506729600}
{"overall": 5.0, "verified": true, "reviewerID": "U3", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1504224000}
{"overall": 5.0, "verified": true, "reviewerID": "U8", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1480550400}
{"overall": 5.0, "verified": true, "reviewerID": "U8", "asin": "I13", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1483228800}
{"overall": 5.0, "verified": true, "reviewerID": "U8", "asin": "I01", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1485907200}
{"overall": 5.0, "verified": true, "reviewerID": "U9", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1488326400}
{"overall": 5.0, "verified": true, "reviewerID": "U9", "asin": "I13", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1488326400}
{"overall": 2.0, "verified": true, "reviewerID": "U9", "asin": "I02", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1477958400}
{"overall": 5.0, "verified": true, "reviewerID": "U6", "asin": "I14", "style": {"Format:": " DVD"}, "reviewText": "ok, \"fine\"", "unixReviewTime": 1475280000}
)";
const char* const kATrain = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U2,['I01'],I02,[7],8,['Alpha'],Beta & Gamma,[5.0],2.0,[1509840000],1509840000
U1,['I01'],I02,[7],8,['Alpha'],Beta & Gamma,[5.0],4.0,[1509494400],1512086400
U1,"['I01', 'I02']",I03,"[7, 8]",5,"['Alpha', 'Beta & Gamma']",Quoted,"[5.0, 4.0]",3.0,"[1509494400, 1512086400]",1514764800
U1,"['I01', 'I02', 'I03']",I10,"[7, 8, 5]",0,"['Alpha', 'Beta & Gamma', 'Quoted']","It's a title, with comma","[5.0, 4.0, 3.0]",5.0,"[1509494400, 1512086400, 1514764800]",1517443200
U2,"['I01', 'I02']",I10,"[7, 8]",0,"['Alpha', 'Beta & Gamma']","It's a title, with comma","[5.0, 2.0]",1.0,"[1509840000, 1509840000]",1519862400
U2,"['I01', 'I02', 'I10']",I11,"[7, 8, 0]",3,"['Alpha', 'Beta & Gamma', ""It's a title, with comma""]",Café<NBSP>Noir,"[5.0, 2.0, 1.0]",5.0,"[1509840000, 1509840000, 1519862400]",1522540800
U3,['I03'],I11,[5],3,['Quoted'],Café<NBSP>Noir,[5.0],5.0,[1525132800],1525132800
U3,"['I03', 'I11']",I12,"[5, 3]",6,"['Quoted', 'Café\xa0Noir']",Spaced,"[5.0, 5.0]",5.0,"[1525132800, 1525132800]",1525219200
U3,"['I03', 'I11', 'I12']",I12,"[5, 3, 6]",6,"['Quoted', 'Café\xa0Noir', 'Spaced']",Spaced,"[5.0, 5.0, 5.0]",4.0,"[1525132800, 1525132800, 1525219200]",1527897600
U4,['I01'],I12,[7],6,['Alpha'],Spaced,[5.0],5.0,[1527811200],1530403200
U4,"['I01', 'I12']",I08,"[7, 6]",1,"['Alpha', 'Spaced']",New Eight,"[5.0, 5.0]",5.0,"[1527811200, 1530403200]",1533081600
U5,['I08'],I02,[1],8,['New Eight'],Beta & Gamma,[5.0],5.0,[1533168000],1533254400
)";
const char* const kAValid = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U4,"['I01', 'I12', 'I08']",I13,"[7, 6, 1]",2,"['Alpha', 'Spaced', 'New Eight']", Zed,"[5.0, 5.0, 5.0]",5.0,"[1527811200, 1530403200, 1533081600]",1535760000
U5,"['I08', 'I02']",I16,"[1, 8]",4,"['New Eight', 'Beta & Gamma']",Twenty words v v v v v v v v v v v v v v v v v v,"[5.0, 5.0]",5.0,"[1533168000, 1533254400]",1536451200
)";
const char* const kATest = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U6,['I16'],I10,[4],0,['Twenty words v v v v v v v v v v v v v v v v v v'],"It's a title, with comma",[5.0],5.0,[1536537600],1536624000
U5,"['I08', 'I02', 'I16']",I13,"[1, 8, 4]",2,"['New Eight', 'Beta & Gamma', 'Twenty words v v v v v v v v v v v v v v v v v v']", Zed,"[5.0, 5.0, 5.0]",3.0,"[1533168000, 1533254400, 1536451200]",1541030400
)";
const char* const kAItems = R"(It's a title, with comma	0
New Eight	1
 Zed	2
Café<NBSP>Noir	3
Twenty words v v v v v v v v v v v v v v v v v v	4
Quoted	5
Spaced	6
Alpha	7
Beta & Gamma	8
)";
const char* const kBTrain = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U8,['I14'],I13,[6],0,['Old Timer'],Zed,[5.0],5.0,[1480550400],1483228800
U8,"['I14', 'I13']",I01,"[6, 0]",8,"['Old Timer', 'Zed']",Alpha,"[5.0, 5.0]",5.0,"[1480550400, 1483228800]",1485907200
U9,['I02'],I14,[9],6,['Beta & Gamma'],Old Timer,[2.0],5.0,[1477958400],1488326400
U9,"['I02', 'I14']",I13,"[9, 6]",0,"['Beta & Gamma', 'Old Timer']",Zed,"[2.0, 5.0]",5.0,"[1477958400, 1488326400]",1488326400
U2,['I14'],I01,[6],8,['Old Timer'],Alpha,[5.0],5.0,[1506729600],1509840000
U2,"['I14', 'I01']",I02,"[6, 8]",9,"['Old Timer', 'Alpha']",Beta & Gamma,"[5.0, 5.0]",2.0,"[1506729600, 1509840000]",1509840000
U1,['I01'],I02,[8],9,['Alpha'],Beta & Gamma,[5.0],4.0,[1509494400],1512086400
U1,"['I01', 'I02']",I03,"[8, 9]",2,"['Alpha', 'Beta & Gamma']",Quoted,"[5.0, 4.0]",3.0,"[1509494400, 1512086400]",1514764800
U1,"['I01', 'I02', 'I03']",I10,"[8, 9, 2]",1,"['Alpha', 'Beta & Gamma', 'Quoted']","It's a title, with comma","[5.0, 4.0, 3.0]",5.0,"[1509494400, 1512086400, 1514764800]",1517443200
U2,"['I14', 'I01', 'I02']",I10,"[6, 8, 9]",1,"['Old Timer', 'Alpha', 'Beta & Gamma']","It's a title, with comma","[5.0, 5.0, 2.0]",1.0,"[1506729600, 1509840000, 1509840000]",1519862400
U2,"['I14', 'I01', 'I02', 'I10']",I11,"[6, 8, 9, 1]",7,"['Old Timer', 'Alpha', 'Beta & Gamma', ""It's a title, with comma""]",Café<NBSP>Noir,"[5.0, 5.0, 2.0, 1.0]",5.0,"[1506729600, 1509840000, 1509840000, 1519862400]",1522540800
U3,['I14'],I03,[6],2,['Old Timer'],Quoted,[5.0],5.0,[1504224000],1525132800
U3,"['I14', 'I03']",I11,"[6, 2]",7,"['Old Timer', 'Quoted']",Café<NBSP>Noir,"[5.0, 5.0]",5.0,"[1504224000, 1525132800]",1525132800
U3,"['I14', 'I03', 'I11']",I12,"[6, 2, 7]",4,"['Old Timer', 'Quoted', 'Café\xa0Noir']",Spaced,"[5.0, 5.0, 5.0]",5.0,"[1504224000, 1525132800, 1525132800]",1525219200
U3,"['I14', 'I03', 'I11', 'I12']",I12,"[6, 2, 7, 4]",4,"['Old Timer', 'Quoted', 'Café\xa0Noir', 'Spaced']",Spaced,"[5.0, 5.0, 5.0, 5.0]",4.0,"[1504224000, 1525132800, 1525132800, 1525219200]",1527897600
U4,['I01'],I12,[8],4,['Alpha'],Spaced,[5.0],5.0,[1527811200],1530403200
U4,"['I01', 'I12']",I08,"[8, 4]",5,"['Alpha', 'Spaced']",New Eight,"[5.0, 5.0]",5.0,"[1527811200, 1530403200]",1533081600
U5,['I08'],I02,[5],9,['New Eight'],Beta & Gamma,[5.0],5.0,[1533168000],1533254400
)";
const char* const kBValid = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U4,"['I01', 'I12', 'I08']",I13,"[8, 4, 5]",0,"['Alpha', 'Spaced', 'New Eight']",Zed,"[5.0, 5.0, 5.0]",5.0,"[1527811200, 1530403200, 1533081600]",1535760000
U5,"['I08', 'I02']",I16,"[5, 9]",3,"['New Eight', 'Beta & Gamma']",Twenty words v v v v v v v v v v v v v v v v v v,"[5.0, 5.0]",5.0,"[1533168000, 1533254400]",1536451200
)";
const char* const kBTest = R"(user_id,item_asins,item_asin,history_item_id,item_id,history_item_title,item_title,history_rating,rating,history_timestamp,timestamp
U6,['I14'],I16,[6],3,['Old Timer'],Twenty words v v v v v v v v v v v v v v v v v v,[5.0],5.0,[1475280000],1536537600
U6,"['I14', 'I16']",I10,"[6, 3]",1,"['Old Timer', 'Twenty words v v v v v v v v v v v v v v v v v v']","It's a title, with comma","[5.0, 5.0]",5.0,"[1475280000, 1536537600]",1536624000
U5,"['I08', 'I02', 'I16']",I13,"[5, 9, 3]",0,"['New Eight', 'Beta & Gamma', 'Twenty words v v v v v v v v v v v v v v v v v v']",Zed,"[5.0, 5.0, 5.0]",3.0,"[1533168000, 1533254400, 1536451200]",1541030400
)";
const char* const kBItems = R"(Zed	0
It's a title, with comma	1
Quoted	2
Twenty words v v v v v v v v v v v v v v v v v v	3
Spaced	4
New Eight	5
Old Timer	6
Café<NBSP>Noir	7
Alpha	8
Beta & Gamma	9
)";
const char* const kAInteractions = R"({
    "Alpha": 8,
    "Beta & Gamma": 4,
    "Quoted": 4,
    "It's a title, with comma": 1,
    "Café<NBSP>Noir": 2,
    "Spaced": 2,
    "New Eight": 1
})";
const char* const kAGroups = R"({
    "0": [
        "Alpha"
    ],
    "1": [
        "Beta & Gamma"
    ],
    "2": [
        "Quoted"
    ],
    "3": [
        "Café<NBSP>Noir"
    ],
    "4": [
        "Spaced"
    ],
    "5": [
        "It's a title, with comma"
    ],
    "6": [
        "New Eight"
    ],
    "7": []
})";
const char* const kBInteractions = R"({
    "Old Timer": 11,
    "Zed": 1,
    "Beta & Gamma": 6,
    "Alpha": 8,
    "Quoted": 4,
    "It's a title, with comma": 1,
    "Café<NBSP>Noir": 2,
    "Spaced": 2,
    "New Eight": 1
})";
const char* const kBGroups = R"({
    "0": [
        "Old Timer",
        "Alpha"
    ],
    "1": [
        "Beta & Gamma"
    ],
    "2": [
        "Quoted"
    ],
    "3": [
        "Café<NBSP>Noir"
    ],
    "4": [
        "Spaced"
    ],
    "5": [
        "Zed"
    ],
    "6": [
        "It's a title, with comma"
    ],
    "7": [
        "New Eight"
    ]
})";

fs::path scratch() {
    const fs::path dir = fs::temp_directory_path() / ("flower-prepare-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeFile(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

void writeGzip(const fs::path& path, const std::string& text) {
    gzFile f = gzopen(path.string().c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

std::string nbsp(const std::string& text) { return replaceAll(text, "<NBSP>", "\xc2\xa0"); }
std::string csvText(const std::string& text) { return nbsp(replaceAll(text, "\n", "\r\n")); }

PrepareOptions scenario(const fs::path& dir, std::int64_t minItems, bool gzip = false) {
    fs::create_directories(dir);
    PrepareOptions o;
    o.meta = (dir / (gzip ? "meta_T.json.gz" : "meta_T.json")).string();
    o.reviews = (dir / (gzip ? "T.json.gz" : "T.json")).string();
    if (gzip) {
        writeGzip(o.meta, kMeta);
        writeGzip(o.reviews, kReviews);
    } else {
        writeFile(o.meta, kMeta);
        writeFile(o.reviews, kReviews);
    }
    o.category = "T";
    o.out = (dir / "out").string();
    o.core.k = 2;
    o.core.minItems = minItems;
    return o;
}

void compareFile(const fs::path& path, const std::string& expected) {
    const std::string actual = readFile(path);
    if (actual != expected) {
        std::size_t at = 0;
        while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
        const std::string msg = path.filename().string() + " differs at byte " + std::to_string(at) + ": got \"" +
                                actual.substr(at > 40 ? at - 40 : 0, 120) + "\", expected \"" +
                                expected.substr(at > 40 ? at - 40 : 0, 120) + "\"";
        QFAIL(msg.c_str());
    }
}

nlohmann::json manifest(const fs::path& out) { return nlohmann::json::parse(readFile(out / "prepare.json")); }

}  // namespace

class TestPrepareAmazon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { flower::util::removeTree(scratch()); }
    void matchesTheReference();
    void widensTheWindowLikeTheReference();
    void gzipGivesTheSameDataset();
    void handCheckedFacts();
    void maxHistoryCutsHistories();
    void badLineWritesNothing();
    void lenientModeSkipsAndCounts();
    void emptyWindowOrCoreIsAClearError();
    void refusesAnExistingFolder();
};

void TestPrepareAmazon::matchesTheReference() {
    const PrepareOptions o = scenario(scratch() / "a", 0);
    const PrepareSummary s = prepareAmazon(o);
    const fs::path out = o.out;
    compareFile(out / "train.csv", csvText(kATrain));
    compareFile(out / "valid.csv", csvText(kAValid));
    compareFile(out / "test.csv", csvText(kATest));
    compareFile(out / "items.tsv", nbsp(kAItems));
    compareFile(out / "reference_title_interaction.json", nbsp(kAInteractions));
    compareFile(out / "reference_group_title_8.json", nbsp(kAGroups));
    QCOMPARE(s.start, std::string("2017-10"));
    QCOMPARE(s.items, std::int64_t{9});
    // The folder is a dataset the workbench reads (`--dataset DIR`).
    const flower::data::Dataset d = flower::data::loadDataset(out);
    QCOMPARE(d.catalog.size(), std::size_t{9});
    QCOMPARE(d.train.size(), std::size_t{12});
    QCOMPARE(d.valid.size(), std::size_t{2});
    QCOMPARE(d.test.size(), std::size_t{2});
}

void TestPrepareAmazon::widensTheWindowLikeTheReference() {
    const PrepareOptions o = scenario(scratch() / "b", 10);
    const PrepareSummary s = prepareAmazon(o);
    const fs::path out = o.out;
    compareFile(out / "train.csv", csvText(kBTrain));
    compareFile(out / "valid.csv", csvText(kBValid));
    compareFile(out / "test.csv", csvText(kBTest));
    compareFile(out / "items.tsv", nbsp(kBItems));
    compareFile(out / "reference_title_interaction.json", nbsp(kBInteractions));
    compareFile(out / "reference_group_title_8.json", nbsp(kBGroups));
    QCOMPARE(s.start, std::string("2016-10"));
    const auto m = manifest(out);
    QCOMPARE(m["window"]["start"].get<std::string>(), std::string("2016-10"));
    QCOMPARE(m["counts"]["rounds"].size(), std::size_t{2});
    QCOMPARE(m["counts"]["rounds"][0]["too_few_items"].get<bool>(), true);
    QCOMPARE(m["window"]["start_unix"].get<std::int64_t>(), std::int64_t{1475280000});  // 2016-10-01Z
}

void TestPrepareAmazon::gzipGivesTheSameDataset() {
    const PrepareOptions o = scenario(scratch() / "gz", 0, true);
    prepareAmazon(o);
    compareFile(fs::path(o.out) / "train.csv", csvText(kATrain));
    compareFile(fs::path(o.out) / "items.tsv", nbsp(kAItems));
    const auto m = manifest(o.out);
    QCOMPARE(m["inputs"]["reviews"]["gzip"].get<bool>(), true);
    QCOMPARE(m["inputs"]["reviews"]["uncompressed_bytes"].get<std::uint64_t>(), std::uint64_t{std::strlen(kReviews)});
    QCOMPARE(m["inputs"]["meta"]["sha256"].get<std::string>().size(), std::size_t{64});
}

void TestPrepareAmazon::handCheckedFacts() {
    // Worked out from the raw lines without the reference: the items whose titles survive are
    // I01 I02 I03 I08 I10 I11 I12 I13 I16 (9); I14 has no in-window review; I15 has one (< K)
    // and U7's other review goes with it in the second pass; U5's review at exactly
    // 2018-11-01T00:00:00Z is inside the window, U1's one second later is not.
    const PrepareOptions o = scenario(scratch() / "hand", 0);
    prepareAmazon(o);
    const std::string items = readFile(fs::path(o.out) / "items.tsv");
    for (const char* gone : {"Old Timer", "Lonely", "Nine", "Old Eight", "Spam", "w0 w1"}) {
        QVERIFY2(items.find(gone) == std::string::npos, gone);
    }
    for (const char* kept : {"Alpha\t", "Beta & Gamma\t", "Quoted\t", "New Eight\t", " Zed\t", "Spaced\t"}) {
        QVERIFY2(items.find(kept) != std::string::npos, kept);
    }
    const std::string all = readFile(fs::path(o.out) / "train.csv") + readFile(fs::path(o.out) / "valid.csv") +
                            readFile(fs::path(o.out) / "test.csv");
    QVERIFY(all.find("\r\nU7,") == std::string::npos);
    QVERIFY(all.find(",1541030400\r\n") != std::string::npos);   // the end bound itself
    QVERIFY(all.find("1541030401") == std::string::npos);
    // 22 kept reviews of 6 users: rows = reviews - users = 16; train int(16 * 0.8) = 12, valid
    // int(16 * 0.9) - 12 = 2, test 2.
    const auto m = manifest(o.out);
    QCOMPARE(m["counts"]["kept_reviews"].get<int>(), 22);
    QCOMPARE(m["counts"]["kept_users"].get<int>(), 6);
    QCOMPARE(m["counts"]["train"].get<int>(), 12);
    QCOMPARE(m["counts"]["valid"].get<int>(), 2);
    QCOMPARE(m["counts"]["test"].get<int>(), 2);
    QCOMPARE(m["counts"]["rounds"][0]["kcore_passes"].size(), std::size_t{3});
}

void TestPrepareAmazon::maxHistoryCutsHistories() {
    PrepareOptions o = scenario(scratch() / "h", 0);
    o.maxHistory = 1;
    prepareAmazon(o);
    std::ifstream in(fs::path(o.out) / "train.csv");
    std::string line;
    std::getline(in, line);
    int rows = 0;
    while (std::getline(in, line)) {
        ++rows;
        // One history item: history_item_id is "[n]" followed by item_id, and no id list has two.
        QVERIFY2(std::regex_search(line, std::regex(R"(,\[\d+\],\d+,)")), line.c_str());
        QVERIFY2(!std::regex_search(line, std::regex(R"(\[\d+, \d+)")), line.c_str());
    }
    QCOMPARE(rows, 12);
}

void TestPrepareAmazon::badLineWritesNothing() {
    PrepareOptions o = scenario(scratch() / "bad", 0);
    std::string reviews = kReviews;
    const std::size_t third = reviews.find('\n', reviews.find('\n') + 1) + 1;
    reviews.insert(third, "{\"reviewerID\": \"U1\", \"asin\": \"I01\", \"unixReviewTime\": \"yesterday\", \"overall\": 5.0}\n");
    writeFile(o.reviews, reviews);
    try {
        prepareAmazon(o);
        QFAIL("a non-numeric time was accepted");
    } catch (const flower::Error& e) {
        QCOMPARE(e.where().file, o.reviews);
        QCOMPARE(e.where().line, std::int64_t{3});
        QCOMPARE(e.where().field, std::string("unixReviewTime"));
    }
    QVERIFY(!fs::exists(o.out));
    for (const auto& entry : fs::directory_iterator(scratch() / "bad")) {
        QVERIFY2(entry.path().filename().string().find("partial") == std::string::npos, entry.path().c_str());
    }
}

void TestPrepareAmazon::lenientModeSkipsAndCounts() {
    PrepareOptions o = scenario(scratch() / "lenient", 0);
    writeFile(o.reviews, std::string(kReviews) + "{\"reviewerID\": \"U1\"\n{\"asin\": \"I01\", \"reviewerID\": \"U2\", \"overall\": 1.0}\n");
    o.strict = false;
    const PrepareSummary s = prepareAmazon(o);
    QCOMPARE(s.skippedLines, std::int64_t{2});
    compareFile(fs::path(o.out) / "train.csv", csvText(kATrain));  // the good lines give the same data
    const auto m = manifest(o.out);
    QCOMPARE(m["inputs"]["reviews"]["skipped_lines"]["malformed_json"].get<int>(), 1);
    QCOMPARE(m["inputs"]["reviews"]["skipped_lines"]["missing_field"].get<int>(), 1);
}

void TestPrepareAmazon::emptyWindowOrCoreIsAClearError() {
    PrepareOptions o = scenario(scratch() / "empty", 0);
    o.core.start = Month{2010, 1};
    o.core.end = Month{2011, 1};
    try {
        prepareAmazon(o);
        QFAIL("an empty window was accepted");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("no review") != std::string::npos, e.what());
    }
    o.core.start = Month{2017, 10};
    o.core.end = Month{2018, 11};
    o.core.k = 50;
    try {
        prepareAmazon(o);
        QFAIL("an empty K-core was accepted");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("50-core") != std::string::npos, e.what());
    }
    QVERIFY(!fs::exists(o.out));
}

void TestPrepareAmazon::refusesAnExistingFolder() {
    PrepareOptions o = scenario(scratch() / "exists", 0);
    fs::create_directories(o.out);
    writeFile(fs::path(o.out) / "keep.txt", "mine");
    QVERIFY_THROWS_EXCEPTION(flower::Error, prepareAmazon(o));
    QCOMPARE(readFile(fs::path(o.out) / "keep.txt"), std::string("mine"));
    fs::remove(fs::path(o.out) / "keep.txt");  // an empty folder is fine
    prepareAmazon(o);
    QVERIFY(fs::exists(fs::path(o.out) / "train.csv"));
}

FLOWER_TEST_MAIN(TestPrepareAmazon, matchesTheReference, widensTheWindowLikeTheReference,
                 gzipGivesTheSameDataset, handCheckedFacts, maxHistoryCutsHistories, badLineWritesNothing,
                 lenientModeSkipsAndCounts, emptyWindowOrCoreIsAClearError, refusesAnExistingFolder)
#ifdef FLOWER_TEST_QT
#include "test_prepare_amazon.moc"
#endif
