// Parsing a bpftrace script into the owned AST.
//
// parser.cpp is the only file that includes ANTLR headers (DESIGN invariant 1):
// it runs the generated lexer/parser for grammar/Bpftrace.g4, turns syntax
// errors into Diagnostics in the language's own terms, and builds the AST
// with a visitor. Attach points are left as raw text here and split later by
// frontend/attach_point.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Returns the program, or nullptr when there were syntax errors (all of
// them reported to `diags`).
// `file` is the source's index in `diags` (see Diagnostics::add_source).
std::unique_ptr<Program> parse_program(const SourceFile &source, Diagnostics &diags, int file = 0);

// The value of a string literal written with its quotes, escapes decoded
// as in the script (`"\033[31m"` is ESC [ 3 1 m); bad escapes are dropped.
std::string string_literal_value(std::string_view literal);

}  // namespace bt2bin
