# strega_clang_torch_shim(<target> <LibTorch include dirs>...) : let clang compile LibTorch 1.13's headers as C++20 (for the fuzz build).
#
# With C++20, libstdc++ 12 makes std::vector's members constexpr, and clang instantiates them where they are
# named. ATen/core/List.h names std::vector<IValue>'s move constructor and operator[] in two inline functions
# while IValue is still incomplete, which clang refuses (GCC defers them). This writes a copy of List.h with those
# two functions deferred (a constructor template, data() instead of [0]) and puts it before LibTorch's headers.
include(StregaFirstDirWith)

function(strega_clang_torch_shim target)
  strega_first_dir_with(torchdir ATen/core/List.h ${ARGN})
  if(NOT torchdir)
    return()
  endif()
  set(list_h "${torchdir}/ATen/core/List.h")
  file(READ "${list_h}" text)
  set(patched "${text}")
  string(REPLACE "  explicit ListImpl(list_type list_, TypePtr elementType_)"
                 "  template <class L = list_type>\n  explicit ListImpl(L list_, TypePtr elementType_)" patched
                 "${patched}")
  string(REPLACE "return &list.impl_->list[0];" "return list.impl_->list.data();" patched "${patched}")
  if(patched STREQUAL text)
    message(WARNING "${list_h} has changed; no clang C++20 shim made for it")
    return()
  endif()
  file(WRITE "${CMAKE_BINARY_DIR}/clang-torch/ATen/core/List.h" "${patched}")
  target_include_directories(${target} BEFORE INTERFACE "${CMAKE_BINARY_DIR}/clang-torch")
endfunction()
