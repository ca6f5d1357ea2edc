# Writes build_info.h from build_info.h.in at every build, but touches the file only when its
# content changes (so a new commit recompiles the few files that include it, nothing else).
# Inputs: SRC (repo root), IN (template), OUT (header), VERSION.
execute_process(COMMAND git -C "${SRC}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE FLOWER_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  set(FLOWER_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git -C "${SRC}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty ERROR_QUIET)
  if(dirty)
    string(APPEND FLOWER_GIT_COMMIT "-dirty")
  endif()
endif()
set(PROJECT_VERSION "${VERSION}")
set(PROJECT_SOURCE_DIR "${SRC}")
configure_file("${IN}" "${OUT}.tmp" @ONLY)
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
