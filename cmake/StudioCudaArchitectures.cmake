# The GPU architectures the CUDA kernels are compiled for, set once before anything enables CUDA.
#
# Default: Turing to Hopper as cubins plus sm_90 PTX, so the kernels run on every GPU CUDA 12 and 13 both
# support (sm_75 and newer; newer cards JIT the PTX). Override with -DCMAKE_CUDA_ARCHITECTURES=89 (one card,
# faster build) or the CUDAARCHS environment variable, as CMake documents.
#
# Torch's CMake adds its own -gencode list to CMAKE_CUDA_FLAGS, from TORCH_CUDA_ARCH_LIST or, when that is
# unset, from the GPUs it finds: without one, "common architectures" down to sm_50, where double-precision
# atomicAdd does not exist (seen with Debian 13's libtorch-cuda-dev) and which CUDA 13 no longer builds. So
# TORCH_CUDA_ARCH_LIST is derived from the same list unless the environment sets it.
if(DEFINED _studio_cuda_architectures_done)
  return()
endif()
set(_studio_cuda_architectures_done ON)

if(NOT CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
  set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90" CACHE STRING
      "GPU architectures of the CUDA kernels (e.g. 89, or 75-real;90)")
elseif(NOT CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "$ENV{CUDAARCHS}" CACHE STRING "GPU architectures of the CUDA kernels")
endif()

if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(_studio_torch_arch "")
  foreach(_a IN LISTS CMAKE_CUDA_ARCHITECTURES)
    if(_a MATCHES "^([0-9]+)([0-9])(-real|-virtual)?$")
      set(_v "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
      if(NOT CMAKE_MATCH_3)
        string(APPEND _v "+PTX")  # "90" is cubin and PTX
      elseif(CMAKE_MATCH_3 STREQUAL "-virtual")
        set(_v "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}+PTX")
      endif()
      list(APPEND _studio_torch_arch "${_v}")
    endif()
  endforeach()
  if(_studio_torch_arch)
    string(REPLACE ";" " " _studio_torch_arch "${_studio_torch_arch}")
    set(ENV{TORCH_CUDA_ARCH_LIST} "${_studio_torch_arch}")
  endif()
endif()
