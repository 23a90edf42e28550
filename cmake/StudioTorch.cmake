# Finds LibTorch: Debian's libtorch-dev 1.13 (CPU) with no hints, or a pip LibTorch 2.x
# (CMAKE_PREFIX_PATH=$(python3 -c 'import torch.utils;print(torch.utils.cmake_prefix_path)')).
# Sets STUDIO_HAVE_TORCH, STUDIO_TORCH_CUDA, STUDIO_HAVE_NCCL and the INTERFACE target studio::torch.
set(STUDIO_HAVE_TORCH OFF)
set(STUDIO_TORCH_CUDA OFF)
set(STUDIO_HAVE_NCCL OFF)

# CUDA >= 12.9 ships no libnvToolsExt, but Torch's cmake files may still link CUDA::nvToolsExt:
# provide a header-only stand-in (nvtx3) before find_package(Torch). See gpu-machine.md.
find_package(CUDAToolkit QUIET)
if(CUDAToolkit_FOUND AND NOT TARGET CUDA::nvToolsExt)
  if(NOT TARGET CUDA::nvtx3)
    add_library(CUDA::nvtx3 INTERFACE IMPORTED)
    target_include_directories(CUDA::nvtx3 SYSTEM INTERFACE ${CUDAToolkit_INCLUDE_DIRS})
    target_link_libraries(CUDA::nvtx3 INTERFACE ${CMAKE_DL_LIBS})
  endif()
  add_library(CUDA::nvToolsExt INTERFACE IMPORTED)
  target_link_libraries(CUDA::nvToolsExt INTERFACE CUDA::nvtx3)
endif()

include(StudioCudaArchitectures)  # before Torch's CMake, which may enable CUDA and add its own arch list
find_package(Torch QUIET)
if(NOT Torch_FOUND)
  return()
endif()
set(STUDIO_HAVE_TORCH ON)
message(STATUS "studio: LibTorch ${Torch_VERSION} (${TORCH_LIBRARIES})")

if(TARGET torch_cuda OR "${TORCH_LIBRARIES}" MATCHES "torch_cuda")
  set(STUDIO_TORCH_CUDA ON)
endif()

add_library(studio_torch INTERFACE)
add_library(studio::torch ALIAS studio_torch)
target_link_libraries(studio_torch INTERFACE ${TORCH_LIBRARIES} ${CMAKE_DL_LIBS})
target_include_directories(studio_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
include(StudioSystemFmt)      # pip LibTorch bundles fmt 12: keep spdlog on the system fmt

# Gloo headers: Debian ships them in libgloo-dev, pip LibTorch bundles them under torch/include.
find_path(GLOO_INCLUDE_DIR gloo/context.h HINTS ${TORCH_INCLUDE_DIRS})
if(GLOO_INCLUDE_DIR)
  target_include_directories(studio_torch SYSTEM INTERFACE ${GLOO_INCLUDE_DIR})
  target_compile_definitions(studio_torch INTERFACE STUDIO_HAVE_GLOO=1)
else()
  message(WARNING "gloo headers not found (install libgloo-dev): CPU multi-process training is disabled")
endif()

# Extra library folders (pip nvidia-* packages): rpath-link while linking, build RPATH for running.
set(STUDIO_EXTRA_LIB_DIRS "" CACHE STRING "':'-separated library folders (pip nvidia-* libs) for RPATH")
if(STUDIO_TORCH_CUDA)
  target_link_options(studio_torch INTERFACE "LINKER:--allow-shlib-undefined")
  if(STUDIO_EXTRA_LIB_DIRS)
    string(REPLACE ":" ";" _studio_dirs "${STUDIO_EXTRA_LIB_DIRS}")
    foreach(_d IN LISTS _studio_dirs)
      if(_d)
        target_link_options(studio_torch INTERFACE "LINKER:-rpath-link,${_d}" "LINKER:-rpath,${_d}")
      endif()
    endforeach()
  endif()
  if(TARGET CUDA::cudart)
    target_link_libraries(studio_torch INTERFACE CUDA::cudart)
  else()
    # No toolkit libcudart (CUDA from pip wheels only): the runtime LibTorch loads; the kernels call it directly.
    string(REPLACE ":" ";" _studio_dirs "${STUDIO_EXTRA_LIB_DIRS}")
    find_library(STUDIO_CUDART_LIBRARY NAMES cudart libcudart.so.13 libcudart.so.12 HINTS ${_studio_dirs})
    if(STUDIO_CUDART_LIBRARY)
      target_link_libraries(studio_torch INTERFACE ${STUDIO_CUDART_LIBRARY})
    endif()
  endif()
  # A system NCCL (Debian's libnccl-dev, NVIDIA's repository) is found here; pip's nvidia-nccl is given with
  # -DNCCL_INCLUDE_DIR. (Declaring the cache entry empty first would make find_path skip the search.)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} DOC "folder holding nccl.h (pip nvidia-nccl)")
  if(NCCL_INCLUDE_DIR AND EXISTS "${NCCL_INCLUDE_DIR}/nccl.h")
    set(STUDIO_HAVE_NCCL ON)
    target_include_directories(studio_torch SYSTEM INTERFACE ${NCCL_INCLUDE_DIR})
    target_compile_definitions(studio_torch INTERFACE USE_C10D_NCCL=1 STUDIO_HAVE_NCCL=1)
    # pip's nvidia-nccl ships libnccl.so.2 only (no libnccl.so); linked in case ProcessGroupNCCL.hpp's inline code
    # calls NCCL directly (--as-needed drops it otherwise).
    find_library(STUDIO_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${NCCL_INCLUDE_DIR}/../lib)
    if(STUDIO_NCCL_LIBRARY)
      target_link_libraries(studio_torch INTERFACE ${STUDIO_NCCL_LIBRARY})
    endif()
  else()
    message(WARNING "LibTorch has CUDA but nccl.h was not found: training on several GPUs is disabled (install "
                    "libnccl-dev, or pass -DNCCL_INCLUDE_DIR=<folder of nccl.h>)")
  endif()
  target_compile_definitions(studio_torch INTERFACE STUDIO_TORCH_CUDA=1)
  if(STUDIO_WITH_CUDA AND CMAKE_CUDA_COMPILER OR STUDIO_WITH_CUDA AND CUDAToolkit_NVCC_EXECUTABLE)
    if(NOT CMAKE_CUDA_COMPILER)
      set(CMAKE_CUDA_COMPILER ${CUDAToolkit_NVCC_EXECUTABLE})
    endif()
    enable_language(CUDA)
    set(STUDIO_CUDA_KERNELS ON)
  endif()
endif()
message(STATUS "studio: torch cuda=${STUDIO_TORCH_CUDA} nccl=${STUDIO_HAVE_NCCL} gloo=${GLOO_INCLUDE_DIR}")
