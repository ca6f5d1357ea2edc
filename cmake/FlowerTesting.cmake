# flower_add_test(<name> <source> [LABELS l...] [LIBS lib...] [TIMEOUT s])
# One QtTest executable per unit, registered with ctest under its labels:
#   unit  always-run tests            data  reads ../shared (skips when absent)
#   gui   widget tests (offscreen)    slow  long runs, excluded from the default run
# Tests without the "gui" label build with the built-in runner when Qt is absent.
# Where data tests find the shared fixtures (FLOWER_SHARED_DIR in their environment).
set(FLOWER_TEST_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH
    "the shared data and fixtures the data tests read")

function(flower_add_test name source)
  cmake_parse_arguments(T "" "TIMEOUT" "LABELS;LIBS" ${ARGN})
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE flower_core flower_test_support ${T_LIBS})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
  flower_target_defaults(${name})
  if(TARGET Qt6::Test)
    target_link_libraries(${name} PRIVATE Qt6::Test)
    target_compile_definitions(${name} PRIVATE FLOWER_TEST_QT QT_NO_KEYWORDS)
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
  elseif("gui" IN_LIST T_LABELS)
    message(FATAL_ERROR "${name} is a gui test but Qt6::Test is missing")
  endif()
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 900)
  endif()
  # The thread environment (core/util/thread_environment.h) given up front, so that no test
  # re-executes itself to get it (which would load LibTorch twice).
  set(_env "OMP_WAIT_POLICY=PASSIVE" "OPENBLAS_THREAD_TIMEOUT=16"
           "FLOWER_SHARED_DIR=${FLOWER_TEST_SHARED_DIR}"
           "QT_QPA_PLATFORM=offscreen")
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${_env}"
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
endfunction()

# flower_add_bench(<name> <source> [LIBS lib...]) — built with the tests, run by hand
# (scripts/bench.sh), never part of the default ctest run.
function(flower_add_bench name source)
  cmake_parse_arguments(B "" "" "LIBS" ${ARGN})
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE flower_core ${B_LIBS})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
  flower_target_defaults(${name})
endfunction()
