// Durable directory writes, for checkpoints (core/train/training_checkpoint.cpp): a checkpoint
// is written into a temporary folder, made durable, then swapped into place, so that a crash,
// a kill or a power cut at any moment leaves either the old or the new checkpoint whole.
//   syncTree(root):        fsync every regular file below root, then every directory bottom-up
//                          (a file's data and its directory entry reach the disk);
//   syncDirectory(dir):    fsync one directory (after a rename inside it);
//   exchangePaths(a, b):   swap two existing paths atomically (renameat2 RENAME_EXCHANGE);
//                          false when the filesystem cannot (then the caller renames twice).
// Symbolic links are neither followed nor synced. Failure: std::filesystem::filesystem_error
// naming the path.
#pragma once

#include <cstdint>
#include <filesystem>

namespace flower::util {

// Returns how many files and directories were synced.
std::uintmax_t syncTree(const std::filesystem::path& root);
void syncDirectory(const std::filesystem::path& dir);
bool exchangePaths(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace flower::util
