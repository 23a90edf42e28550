# Compiler launcher, linker and warnings shared by every target.
find_program(STUDIO_CCACHE ccache)
if(STUDIO_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${STUDIO_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${STUDIO_CCACHE})
endif()

# lld links the torch-heavy binaries in ~0.5 s instead of ~3 s.
find_program(STUDIO_LLD ld.lld)
if(STUDIO_LLD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_link_options(-fuse-ld=lld)
endif()

if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  set(STUDIO_WARNINGS -Wall -Wextra -Wno-unused-parameter)
  # Release without -g keeps torch TUs faster to compile and the objects small.
  set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG")
endif()

if(STUDIO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# studio_target_defaults(target): warnings and include roots for the project's own targets.
# With a LibTorch that bundles fmt (StudioSystemFmt.cmake), spdlog must still see the system fmt.
function(studio_target_defaults target)
  target_compile_options(${target} PRIVATE ${STUDIO_WARNINGS})
  if(STUDIO_SYSTEM_FMT_INCLUDE)
    target_include_directories(${target} BEFORE PRIVATE ${STUDIO_SYSTEM_FMT_INCLUDE})
  endif()
endfunction()
