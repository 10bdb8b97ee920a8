# btfgen_embed: minimized BTF for a program's BPF objects, compiled into the program.
#
#   btfgen_embed(TARGET app ARCH x86_64 OBJECTS trace.bpf.o [more.bpf.o ...]
#                [ARCHIVE dir]          # btfhub-archive checkout (default: ${CMAKE_SOURCE_DIR}/btfhub-archive)
#                [ARCH_DIR name]        # spell the arch directory as your lookup expects (aarch64)
#                [SYMBOL name]          # the struct btfgen_table's name (default: btfgen_embedded)
#                [INCLUDE glob ...] [EXCLUDE glob ...]
#                [CACHE dir | NO_CACHE] # decompressed-kernel cache (default: in the build directory)
#                [ALLOW_FAILURES])      # a kernel that fails is left out instead of failing the build
#
# At build time it runs `btfgen build` over the archive (incremental: an unchanged archive and
# unchanged objects cost a few milliseconds) and `btfgen pack TREE <symbol>.c`, compiles the table
# into TARGET and links the btfgen runtime, so the program calls btfgen_btf_custom_path() with
# { &<symbol>, NULL } (include "<symbol>.h"). Rebuilt when an object or an archive file changes;
# a pack whose bytes did not change is not rewritten, so nothing recompiles.
include_guard(GLOBAL)

function(btfgen_embed)
  cmake_parse_arguments(E "NO_CACHE;ALLOW_FAILURES" "TARGET;ARCH;ARCHIVE;ARCH_DIR;SYMBOL;CACHE"
                        "OBJECTS;INCLUDE;EXCLUDE" ${ARGN})
  if(NOT E_TARGET OR NOT E_ARCH OR NOT E_OBJECTS)
    message(FATAL_ERROR "btfgen_embed: TARGET, ARCH and OBJECTS are required")
  endif()
  if(NOT E_ARCHIVE)
    set(E_ARCHIVE ${CMAKE_SOURCE_DIR}/btfhub-archive)
  endif()
  if(NOT E_SYMBOL)
    set(E_SYMBOL btfgen_embedded)
  endif()
  if(NOT TARGET btfgen::btfgen)
    message(FATAL_ERROR "btfgen_embed: the btfgen::btfgen executable target is missing (find_package(btfgen))")
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/btfgen-${E_TARGET})
  set(tree ${dir}/btfs)
  set(source ${dir}/${E_SYMBOL}.c)
  set(header ${dir}/${E_SYMBOL}.h)

  set(build_args --archive ${E_ARCHIVE} --arch ${E_ARCH} --output ${tree} --state ${dir}/state.tsv)
  if(E_ARCH_DIR)
    list(APPEND build_args --arch-dir ${E_ARCH_DIR})
  endif()
  foreach(glob IN LISTS E_INCLUDE)
    list(APPEND build_args --include ${glob})
  endforeach()
  foreach(glob IN LISTS E_EXCLUDE)
    list(APPEND build_args --exclude ${glob})
  endforeach()
  if(E_ALLOW_FAILURES)
    list(APPEND build_args --allow-failures)
  endif()
  if(BTFGEN_EMBED_CACHE_SUPPORTED AND NOT E_NO_CACHE)
    if(NOT E_CACHE)
      set(E_CACHE ${CMAKE_BINARY_DIR}/btfgen-cache)
    endif()
    list(APPEND build_args --cache ${E_CACHE})
  endif()
  foreach(object IN LISTS E_OBJECTS)
    list(APPEND build_args --obj ${object})
  endforeach()

  # The kernels, so that a new or changed one reruns the build (re-globbed at every build).
  file(GLOB_RECURSE kernels CONFIGURE_DEPENDS ${E_ARCHIVE}/*.btf.tar.xz ${E_ARCHIVE}/*.btf)
  add_custom_command(
    OUTPUT ${source} ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND btfgen::btfgen build ${build_args}
    COMMAND btfgen::btfgen pack ${tree} ${source} --symbol ${E_SYMBOL}
    DEPENDS ${E_OBJECTS} ${kernels} btfgen::btfgen
    COMMENT "btfgen: minimized BTF of ${E_ARCH} kernels for ${E_TARGET}"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${source})
  target_include_directories(${E_TARGET} PRIVATE ${dir})
  target_link_libraries(${E_TARGET} PRIVATE btfgen::runtime)
endfunction()
