// Where an experiment's named resources live on this machine. An experiment file names its
// dataset and model either by path (contains '/') or by name ("Movies_and_TV", "Qwen2.5-1.5B"),
// so the same file runs on a laptop and on a GPU box; this file turns names into folders.
//
// Search order (first existing folder wins; every candidate is listed in the error):
//   datasets: $FLOWER_DATA_DIR/<name>, <cache>/data/<name>, <shared>/data/<name>
//   models:   $FLOWER_MODELS_DIR/<name>, <cache>/models/<name>
// where <cache> is util::cacheDir() and <shared> the development data (util::sharedDir()).
// Failure: flower::Error naming the config field, the value and the folders searched.
#pragma once

#include "core/data/synthetic_catalog.h"
#include "core/run/experiment_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flower::run {

// True for a "synthetic:key=value,..." dataset spec.
bool isSyntheticSpec(const std::string& dataset);
// The generator settings of a synthetic spec (unknown keys and bad values: flower::Error
// naming field "dataset"). Unset keys keep SyntheticConfig's defaults.
data::SyntheticConfig parseSyntheticSpec(const std::string& spec);

// Candidate folders for a dataset name, in search order.
std::vector<std::filesystem::path> datasetCandidates(const std::string& name);
// config.dataset as a folder: a path is returned as is (it must exist); a name is searched.
std::filesystem::path resolveDatasetDir(const std::string& dataset);

// True when `model` names a CPU preset of core/model (nano, micro, tiny).
bool isModelPreset(const std::string& model);
std::vector<std::filesystem::path> modelCandidates(const std::string& name);
// config.model as a Hugging Face directory (holding config.json): a path, or a searched name.
std::filesystem::path resolveModelDir(const std::string& model);

// "cpu", "cuda": the device a DeviceChoice means here. cuda when it is not available is an
// error (not a silent fall-back to the CPU); auto picks cuda when available.
std::string resolveDevice(DeviceChoice choice);

}  // namespace flower::run
