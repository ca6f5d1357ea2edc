// CategoryWords: the nouns a BIGRec prompt names the items with, per dataset. The prompt reads
//   "Given a list of {list} the user recently enjoy, please write a new {item} that the user may
//    bought" … "The user has enjoyed the following {history} before: …"
// The reference (Mr-Peach0301/Flower with_history/code/train_sft.py and evaluate.py,
// category_dict, and D3Dataset in dataset.py) fills both instruction slots with one word C and
// writes "following {C}s" in the input: C = "musics" for CDs_and_Vinyl, "video games" for
// Video_Games, "movies and TV" for Movies_and_TV. CDs and Games take the reference's text
// verbatim (including "musicss" and "video gamess": the paper's models were tuned on it).
// Movies keeps the project's words (movies / movie / movies), which the Movies runs and
// figures so far were made with; CategoryWords::referenceMovies() is the reference's.
// Value type.
#pragma once

#include <string>
#include <string_view>

namespace flower::text {

struct CategoryWords {
    std::string list = "movies";     // "Given a list of {list} …"
    std::string item = "movie";      // "… a new {item} that …"
    std::string history = "movies";  // "… the following {history} before: …"

    // The reference's words for Movies_and_TV ("movies and TV", "movies and TVs").
    static CategoryWords referenceMovies();
};

// The words for a dataset, picked by the Amazon category its name, folder or items file
// contains ("CDs_and_Vinyl", "Video_Games"); anything else (Movies_and_TV, synthetic
// catalogues) gets the Movies words.
CategoryWords categoryWordsFor(std::string_view dataset);

}  // namespace flower::text
