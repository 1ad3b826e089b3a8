# strega_first_dir_with(<out> <relative path> <dirs>...) : the first of <dirs> that holds <relative path>, or "" (used
# by the clang shims of the fuzz build to find the ITK and LibTorch headers they replace).
function(strega_first_dir_with out relative)
  foreach(dir IN LISTS ARGN)
    if(EXISTS "${dir}/${relative}")
      set(${out} "${dir}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()
