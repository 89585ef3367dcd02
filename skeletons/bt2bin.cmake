# bt2bin_add_tool(<name> <script.bt> [BT2BIN_ARGS args...])
#
# Compiles a bpftrace script with bt2bin into the static executable <name>
# in the current binary dir, as a target of the same name. Usable from this
# tree (the bt2bin target) or from a project that sets BT2BIN_EXECUTABLE.
function(bt2bin_add_tool name script)
  cmake_parse_arguments(ARG "" "" "BT2BIN_ARGS" ${ARGN})
  get_filename_component(script_path ${script} ABSOLUTE)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${name})
  if(TARGET bt2bin)
    set(compiler $<TARGET_FILE:bt2bin>)
    set(depends bt2bin bt2bin_rt)
  else()
    find_program(BT2BIN_EXECUTABLE bt2bin REQUIRED)
    set(compiler ${BT2BIN_EXECUTABLE})
    set(depends)
  endif()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${compiler} ${script_path} -o ${output} ${ARG_BT2BIN_ARGS}
    DEPENDS ${script_path} ${depends}
    COMMENT "bt2bin: compiling ${script} into ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${output})
endfunction()
