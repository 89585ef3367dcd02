// Macro expansion, the first pass after parsing (see macro_expander.cpp).
#pragma once

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace bt2bin {

// Replaces every call of a script macro by its body; false after
// reporting a diagnostic (wrong argument count or kind, runaway recursion).
bool expand_macros(Program &program, Diagnostics &diags);

}  // namespace bt2bin
