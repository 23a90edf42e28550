# Keeps spdlog on the fmt it was built with when LibTorch bundles its own fmt.
#
# pip LibTorch 2.x installs fmt's headers under torch/include/fmt (fmt 12 since 2.10, see pytorch PR #164139), and
# torch/include is an -isystem folder searched before /usr/include. spdlog (Debian/Ubuntu: built against the
# system fmt 9, SPDLOG_FMT_EXTERNAL) would then be compiled against fmt 12 in every TU that includes
# base/log/log.h, and fail to compile or to link (fmt::v12 vs fmt::v9 symbols in libspdlog/libfmt).
# The fix: a folder holding only a link to the system fmt, added as a plain -I (searched before every -isystem
# folder) to the TUs that may include spdlog. Files that include torch/csrc/distributed (c10d, whose headers use
# fmt and were built against the bundled one) keep LibTorch's fmt; see docs/LIBTORCH2.md.
#
# Input: TORCH_INCLUDE_DIRS, fmt::fmt (found by spdlog's config). Output: STUDIO_SYSTEM_FMT_INCLUDE (empty when
# not needed), used by studio_target_defaults() and core/train/CMakeLists.txt.
set(STUDIO_SYSTEM_FMT_SHIM AUTO CACHE STRING
    "Put the system fmt ahead of LibTorch's bundled fmt for spdlog users: AUTO (when torch/include/fmt exists), ON, OFF")
set_property(CACHE STUDIO_SYSTEM_FMT_SHIM PROPERTY STRINGS AUTO ON OFF)
set(STUDIO_SYSTEM_FMT_INCLUDE "")

# The system fmt: where fmt::fmt (spdlog's dependency) points, else the standard folders.
set(_studio_fmt_hint "")
if(TARGET fmt::fmt)
  get_target_property(_studio_fmt_hint fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
endif()
find_path(STUDIO_SYSTEM_FMT_DIR fmt/core.h HINTS ${_studio_fmt_hint} PATHS /usr/include /usr/local/include
          NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH NO_PACKAGE_ROOT_PATH)

# A LibTorch include folder with its own fmt (Debian's LibTorch lives in /usr/include next to the system fmt: not
# bundled).
set(_studio_bundled_fmt "")
foreach(_d IN LISTS TORCH_INCLUDE_DIRS)
  if((EXISTS "${_d}/fmt/core.h" OR EXISTS "${_d}/fmt/base.h") AND NOT "${_d}" STREQUAL "${STUDIO_SYSTEM_FMT_DIR}")
    set(_studio_bundled_fmt "${_d}/fmt")
  endif()
endforeach()

if(STUDIO_SYSTEM_FMT_SHIM STREQUAL "ON" OR (STUDIO_SYSTEM_FMT_SHIM STREQUAL "AUTO" AND _studio_bundled_fmt))
  if(NOT STUDIO_SYSTEM_FMT_DIR)
    message(FATAL_ERROR "LibTorch bundles fmt (${_studio_bundled_fmt}) but the system fmt that spdlog uses was not "
                        "found: install libfmt-dev, or pass -DSTUDIO_SYSTEM_FMT_DIR=<folder holding fmt/core.h>")
  endif()
  set(_studio_shim "${PROJECT_BINARY_DIR}/system-fmt")
  file(MAKE_DIRECTORY "${_studio_shim}")
  file(REMOVE "${_studio_shim}/fmt")
  file(CREATE_LINK "${STUDIO_SYSTEM_FMT_DIR}/fmt" "${_studio_shim}/fmt" SYMBOLIC)
  set(STUDIO_SYSTEM_FMT_INCLUDE "${_studio_shim}")
  message(STATUS "studio: spdlog TUs use the system fmt in ${STUDIO_SYSTEM_FMT_DIR} "
                 "(LibTorch bundles ${_studio_bundled_fmt}; STUDIO_SYSTEM_FMT_SHIM=${STUDIO_SYSTEM_FMT_SHIM})")
endif()
