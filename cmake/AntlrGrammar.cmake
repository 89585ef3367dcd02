# antlr_generate_cpp(OUT_VAR grammar.g4)
# Runs Debian's `antlr4` tool at build time to produce the C++ lexer, parser
# and visitor for a combined grammar; the generated files are never committed.
find_program(ANTLR4_TOOL antlr4 REQUIRED)
set(ANTLR_GENERATED_DIR ${CMAKE_BINARY_DIR}/antlr)

function(antlr_generate_cpp out_var grammar)
  get_filename_component(name ${grammar} NAME_WE)
  set(outputs
    ${ANTLR_GENERATED_DIR}/${name}Lexer.cpp ${ANTLR_GENERATED_DIR}/${name}Lexer.h
    ${ANTLR_GENERATED_DIR}/${name}Parser.cpp ${ANTLR_GENERATED_DIR}/${name}Parser.h
    ${ANTLR_GENERATED_DIR}/${name}Visitor.cpp ${ANTLR_GENERATED_DIR}/${name}Visitor.h
    ${ANTLR_GENERATED_DIR}/${name}BaseVisitor.cpp ${ANTLR_GENERATED_DIR}/${name}BaseVisitor.h)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${ANTLR4_TOOL} -Dlanguage=Cpp -visitor -no-listener -package bt2bin_antlr
            -o ${ANTLR_GENERATED_DIR} -Xexact-output-dir ${grammar}
    DEPENDS ${grammar}
    COMMENT "ANTLR4: generating C++ parser from ${name}.g4"
    VERBATIM)
  set(${out_var} ${ANTLR_GENERATED_DIR}/${name}Lexer.cpp ${ANTLR_GENERATED_DIR}/${name}Parser.cpp
      ${ANTLR_GENERATED_DIR}/${name}Visitor.cpp ${ANTLR_GENERATED_DIR}/${name}BaseVisitor.cpp PARENT_SCOPE)
endfunction()
