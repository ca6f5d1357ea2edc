# Compiler set-up shared by every target: ccache, warnings, sanitizers.

find_program(FLOWER_CCACHE ccache)
if(FLOWER_CCACHE)
  # Precompiled headers need these sloppiness flags or ccache never hits on PCH users.
  # CCACHE_BASEDIR makes hits independent of where the checkout lives (worktrees, CI clones).
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;CCACHE_BASEDIR=${PROJECT_SOURCE_DIR};${FLOWER_CCACHE}")
endif()

add_library(flower_warnings INTERFACE)
target_compile_options(flower_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
if(FLOWER_WERROR)
  target_compile_options(flower_warnings INTERFACE -Werror)
endif()

if(FLOWER_SANITIZE)
  string(REPLACE ";" "," _flower_san "${FLOWER_SANITIZE}")
  add_compile_options(-fsanitize=${_flower_san} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${_flower_san})
endif()

# flower_target_defaults(target): the standard set every target of ours gets.
function(flower_target_defaults target)
  target_link_libraries(${target} PRIVATE flower_warnings)
endfunction()
