// Word lists of the synthetic catalogue generator (synthetic_catalog.h): per-genre title words,
// subtitles, editions and season ordinals. Written for this project; any resemblance of a
// generated title to a real one is chance.
#pragma once

#include <array>
#include <string_view>

namespace flower::data::words {

struct Genre {
    std::string_view name;
    std::array<std::string_view, 16> first;   // leading words: "Star", "Crimson", ...
    std::array<std::string_view, 16> second;  // head nouns: "Quest", "Harbor", ...
};

inline constexpr std::array<Genre, 8> kGenres = {{
    {"science fiction",
     {"Star", "Galaxy", "Nebula", "Orbit", "Quantum", "Solar", "Cosmic", "Iron", "Silver",
      "Void", "Neon", "Stellar", "Zero", "Astro", "Titan", "Hyper"},
     {"Quest", "Patrol", "Voyage", "Protocol", "Station", "Frontier", "Odyssey", "Signal",
      "Empire", "Horizon", "Drift", "Colony", "Vector", "Run", "Legion", "Machine"}},
    {"fantasy",
     {"Dragon", "Crystal", "Shadow", "Elder", "Golden", "Silent", "Hidden", "Winter", "Ember",
      "Moon", "Raven", "Thorn", "Mystic", "Ancient", "Storm", "Wild"},
     {"Crown", "Kingdom", "Sword", "Realm", "Throne", "Keep", "Prophecy", "Forest", "Oath",
      "Gate", "Tower", "Spell", "Heir", "Isles", "Chronicle", "Blade"}},
    {"crime",
     {"Dead", "Blue", "Cold", "Dirty", "Midnight", "Black", "Hard", "Lucky", "Broken", "Quiet",
      "Crooked", "Deep", "Double", "Final", "Last", "Red"},
     {"Harbor", "Alibi", "Witness", "Score", "Street", "Ledger", "Verdict", "Heist", "Badge",
      "Precinct", "Motive", "Deal", "Crossing", "Informant", "Job", "District"}},
    {"comedy",
     {"Crazy", "Big", "Happy", "Little", "Lazy", "Wedding", "Office", "Summer", "Holiday",
      "Family", "Weekend", "Super", "Funny", "Awkward", "Grand", "Suburban"},
     {"Business", "Party", "Vacation", "Neighbors", "Roommates", "Trouble", "Mix-Up", "Plan",
      "Reunion", "Road Trip", "Getaway", "Dad", "Mom", "Club", "Show", "Caper"}},
    {"romance",
     {"Sweet", "Endless", "Paris", "Autumn", "Second", "Secret", "Tender", "Lost", "Distant",
      "Spring", "Summer", "Midnight", "Perfect", "Rose", "Starlit", "Wild"},
     {"Promise", "Letters", "Hearts", "Kiss", "Season", "Affair", "Bride", "Dance", "Garden",
      "Serenade", "Embrace", "Vows", "Waltz", "Valentine", "Journey", "Melody"}},
    {"horror",
     {"Hollow", "Bleeding", "Haunted", "Grave", "Silent", "Cursed", "Pale", "Rotten", "Dark",
      "Bloody", "Hungry", "Wicked", "Twisted", "Howling", "Crawling", "Sinister"},
     {"House", "Night", "Woods", "Asylum", "Ritual", "Cellar", "Hunger", "Mask", "Swamp",
      "Orphanage", "Possession", "Harvest", "Creek", "Manor", "Carnival", "Whisper"}},
    {"documentary",
     {"Planet", "Ocean", "Wild", "Frozen", "Hidden", "Great", "Living", "Secret", "Ancient",
      "Modern", "American", "African", "Inside", "Deep", "Untold", "Vanishing"},
     {"Earth", "Kingdoms", "Rivers", "Cities", "Wonders", "Empires", "Oceans", "Life",
      "Frontiers", "Histories", "Machines", "Mountains", "Deserts", "Islands", "Skies", "Worlds"}},
    {"western",
     {"Dust", "Lone", "Outlaw", "Gold", "High", "Rusty", "Copper", "Desert", "Thunder",
      "Silver", "Dry", "Cattle", "Frontier", "Rattlesnake", "Sundown", "Bitter"},
     {"Trail", "Ridge", "Canyon", "Rider", "Ranch", "Creek", "Gulch", "Pass", "Sheriff", "Mesa",
      "Saddle", "Bounty", "Posse", "Junction", "Range", "Gunfight"}},
}};

// "Star Quest: The Return".
inline constexpr std::array<std::string_view, 20> kSubtitles = {
    "The Return", "Rising", "Reckoning", "The Last Stand", "Origins", "Legacy", "Revelations",
    "Endgame", "The Awakening", "Homecoming", "Resurrection", "Beyond the Edge",
    "The Final Chapter", "Into the Dark", "Redemption", "First Light", "Aftermath",
    "The Lost Years", "Dominion", "New Blood"};

// Appended to an entry to make another release of it: "Star Quest [Blu-ray]".
inline constexpr std::array<std::string_view, 8> kEditions = {
    "[Blu-ray]", "(Special Edition)", "(Collector's Edition)", "VHS", "[DVD]",
    "(Widescreen Edition)", "(Director's Cut)", "4K Ultra HD"};

// "Star Quest II".
inline constexpr std::array<std::string_view, 7> kRoman = {"II", "III", "IV", "V",
                                                           "VI", "VII", "VIII"};

// "Harbor Lights: Season Two".
inline constexpr std::array<std::string_view, 10> kOrdinals = {
    "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"};

}  // namespace flower::data::words
