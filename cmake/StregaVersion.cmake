# The git commit is read at configure time; the version itself comes from project().
find_package(Git QUIET)
set(STREGA_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE STREGA_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT STREGA_GIT_COMMIT)
    set(STREGA_GIT_COMMIT "unknown")
  endif()
endif()
