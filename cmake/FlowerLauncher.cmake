# flower_add_launcher(<target> OUTPUT_NAME <file name> PROGRAM <path>)
# A launcher (app/launcher/launcher.cpp): sets the thread environment and executes PROGRAM, a
# path relative to the launcher's own folder — the same in the build tree and installed, so the
# real program goes to a folder that keeps that relation in both (app/CMakeLists.txt).
function(flower_add_launcher target)
  cmake_parse_arguments(L "" "OUTPUT_NAME;PROGRAM" "" ${ARGN})
  if(NOT L_OUTPUT_NAME OR NOT L_PROGRAM)
    message(FATAL_ERROR "flower_add_launcher(${target}) needs OUTPUT_NAME and PROGRAM")
  endif()
  add_executable(${target} "${PROJECT_SOURCE_DIR}/app/launcher/launcher.cpp")
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}")
  target_compile_definitions(${target} PRIVATE FLOWER_LAUNCH_TARGET="${L_PROGRAM}")
  # libc only: it runs before every start of the real program.
  target_compile_options(${target} PRIVATE -fno-exceptions -fno-rtti)
  target_link_options(${target} PRIVATE "LINKER:--as-needed")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "${L_OUTPUT_NAME}")
  flower_target_defaults(${target})
endfunction()
