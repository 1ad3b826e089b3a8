# Script mode (cmake -P): writes OUTPUT from TEMPLATE with PROJECT_VERSION and the commit of SOURCE_DIR
# ("<12 hex digits>", "-dirty" appended when tracked files differ from it; "unknown" without git). OUTPUT keeps
# its timestamp when its text would not change.
set(STREGA_GIT_COMMIT "unknown")
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  # --exclude='*' ignores tags: always the abbreviated hash, which is what reports cite.
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --abbrev=12 --exclude=*
                  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _status ERROR_QUIET)
  if(_status EQUAL 0 AND _commit)
    set(STREGA_GIT_COMMIT "${_commit}")
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}.new" @ONLY)
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
