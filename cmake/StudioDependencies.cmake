# Dependencies of studio_base and studio_train that are not Qt or Torch.
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)          # Debian 1.10 / Ubuntu 1.12, both with external fmt
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CURL REQUIRED)
# libcrypto: SHA-256/SHA-1 for Hub downloads and uploads (libssl-dev; also on the GPU machine).
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

# stb (header-only): /usr/include/stb on Debian; elsewhere pass STB_INCLUDE_DIR.
find_path(STB_INCLUDE_DIR stb_image_resize.h PATH_SUFFIXES stb HINTS ${PROJECT_SOURCE_DIR}/.device/stb/usr/include/stb)
if(NOT STB_INCLUDE_DIR)
  message(FATAL_ERROR "stb headers not found: install libstb-dev or pass -DSTB_INCLUDE_DIR=<folder with stb_image_resize.h>")
endif()

# zstd and snappy for the Parquet reader (optional: a missing codec is reported at run time).
find_path(ZSTD_INCLUDE_DIR zstd.h)
find_library(ZSTD_LIBRARY zstd)
find_path(SNAPPY_INCLUDE_DIR snappy-c.h)
find_library(SNAPPY_LIBRARY snappy)

# simdjson (optional): the COCO annotation loader's fast path (~4.5x nlohmann's SAX by CPU time on CommonForms'
# 0.9 GB file). Debian 12: libsimdjson-dev. Without it the nlohmann path alone parses COCO files.
find_package(simdjson CONFIG QUIET)
if(simdjson_FOUND)
  message(STATUS "simdjson ${simdjson_VERSION}: fast COCO annotation loading")
else()
  message(STATUS "simdjson not found: COCO annotation files are parsed with nlohmann-json only (slower; install libsimdjson-dev)")
endif()
