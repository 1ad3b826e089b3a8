# strega_clang_itk_shim() : let clang compile against Debian's ITK 5.2 (for the fuzz build).
#
# Debian's itk_compiler_detection.h was generated for GCC alone and stops any other compiler with
# "#error Unsupported compiler". ITK includes it with quotes from itkConfigure.h, so a header earlier on the
# include path is not enough: this makes a folder of links to every entry of ITK's include folder, with
# cmake/clang-itk/itk_compiler_detection.h in place of that one, and puts it before ITK's (as -I, ITK is -isystem).
include(StregaFirstDirWith)

function(strega_clang_itk_shim)
  strega_first_dir_with(itkdir itk_compiler_detection.h ${ITK_INCLUDE_DIRS})
  if(NOT itkdir)
    return()
  endif()
  set(shim "${CMAKE_BINARY_DIR}/clang-itk")
  if(NOT EXISTS "${shim}/itkConfigure.h")
    file(MAKE_DIRECTORY "${shim}")
    file(GLOB entries RELATIVE "${itkdir}" "${itkdir}/*")
    foreach(entry IN LISTS entries)
      if(NOT entry STREQUAL "itk_compiler_detection.h")
        file(CREATE_LINK "${itkdir}/${entry}" "${shim}/${entry}" SYMBOLIC)
      endif()
    endforeach()
  endif()
  configure_file("${PROJECT_SOURCE_DIR}/cmake/clang-itk/itk_compiler_detection.h" "${shim}/itk_compiler_detection.h"
                 COPYONLY)
  target_include_directories(strega_options INTERFACE "${shim}")
endfunction()
