# The version comes from project(). The git commit is read again at every build (StregaWriteVersion.cmake), so
# that a binary built incrementally after a commit reports that commit, not the one CMake was configured at;
# Version.cpp is rewritten only when the text changes, so an unchanged commit costs no recompilation.
find_package(Git QUIET)

# strega_version_source(OUT): generates OUT (Version.cpp) from core/src/Version.cpp.in now and keeps it current
# through the target strega_version_stamp, which the caller makes its library depend on.
function(strega_version_source out)
  set(_args -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DTEMPLATE=${PROJECT_SOURCE_DIR}/core/src/Version.cpp.in
            -DOUTPUT=${out} -DPROJECT_VERSION=${PROJECT_VERSION} -DGIT_EXECUTABLE=${GIT_EXECUTABLE})
  execute_process(COMMAND ${CMAKE_COMMAND} ${_args} -P ${PROJECT_SOURCE_DIR}/cmake/StregaWriteVersion.cmake
                  COMMAND_ERROR_IS_FATAL ANY)
  add_custom_target(strega_version_stamp
                    COMMAND ${CMAKE_COMMAND} ${_args} -P ${PROJECT_SOURCE_DIR}/cmake/StregaWriteVersion.cmake
                    BYPRODUCTS ${out}
                    COMMENT "Checking the git commit"
                    VERBATIM)
endfunction()
