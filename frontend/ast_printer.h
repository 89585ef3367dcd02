// `bt2bin -d ast`: a stable, indented text dump of the AST, one node per line,
// used by the parse-corpus goldens (tests/parse_corpus/).
#pragma once

#include <ostream>

#include "frontend/ast.h"

namespace bt2bin {

void print_ast(const Program &program, std::ostream &out);

}  // namespace bt2bin
