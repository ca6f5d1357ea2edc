# The C libraries flower_core links (PCRE2, utf8proc, libcsv; zlib for core/prepare), found by header and library
# rather than through pkg-config: libcsv ships no .pc file, and the GPU machines the core is also
# built on (against their Python's LibTorch) have no pkg-config. Point CMAKE_PREFIX_PATH at a
# folder with include/ and lib/ to use other copies.
#
# flower_find_c_library(<name> <header> <library>) defines the imported target Flower::<name>.
function(flower_find_c_library name header library)
  find_path(FLOWER_${name}_INCLUDE_DIR "${header}" REQUIRED)
  find_library(FLOWER_${name}_LIBRARY "${library}" REQUIRED)
  add_library(Flower::${name} UNKNOWN IMPORTED)
  set_target_properties(Flower::${name} PROPERTIES
    IMPORTED_LOCATION "${FLOWER_${name}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${FLOWER_${name}_INCLUDE_DIR}")
  message(STATUS "${name}: ${FLOWER_${name}_LIBRARY}")
endfunction()

flower_find_c_library(pcre2 pcre2.h pcre2-8)
flower_find_c_library(utf8proc utf8proc.h utf8proc)
# libcsv (Debian libcsv-dev) parses RFC 4180 CSV, quoted line breaks included.
flower_find_c_library(csv csv.h csv)
# zlib (Debian zlib1g-dev) streams the gzipped Amazon dumps of `flower prepare-amazon`.
find_path(FLOWER_z_INCLUDE_DIR zlib.h)
find_library(FLOWER_z_LIBRARY z)
if(NOT FLOWER_z_INCLUDE_DIR OR NOT FLOWER_z_LIBRARY)
  message(FATAL_ERROR "zlib not found: core/prepare reads gzipped Amazon dumps through it. "
                      "Install the Debian package zlib1g-dev (scripts/setup.sh does) or point "
                      "CMAKE_PREFIX_PATH at a folder with include/zlib.h and lib/libz.so.")
endif()
flower_find_c_library(z zlib.h z)
