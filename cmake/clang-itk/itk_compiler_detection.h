// Debian's ITK 5.2 ships an itk_compiler_detection.h generated for GCC alone: it stops any other compiler with
// "#error Unsupported compiler". The fuzz build (clang, STREGA_BUILD_FUZZ) finds this file instead, through the
// folder of links that cmake/StregaClangItk.cmake makes; it has ITK's header take clang (which implements every
// feature ITK asks about) for the GCC 12 the header was generated for, and restores clang's macros after it.
#ifndef STREGA_CLANG_ITK_COMPILER_DETECTION_H
#define STREGA_CLANG_ITK_COMPILER_DETECTION_H
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include_next <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
#pragma clang diagnostic pop
#else
#include_next <itk_compiler_detection.h>
#endif
#endif
