// What semantic analysis can know about an expression without running it:
// its constant value (for static_assert() and for pruning fail() in dead
// branches), whether it depends only on positional parameters (which
// bt2bin reads when the produced tool starts, bpftrace when it compiles),
// and fail()'s message formatted from literal arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "frontend/ast.h"

namespace bt2bin {

// `a op b` for the binary integer operators (64-bit, wrapping; shifts are
// logical and use the low 6 bits of b); nullopt for division by zero or an
// unknown operator. Shared with the C macro evaluator (frontend/c_macros).
std::optional<int64_t> fold_integer_binary(const std::string &op, int64_t a, int64_t b);

// The value of a checked expression made only of literals and operators.
std::optional<int64_t> fold_constant(const Node &n);

// True when `n` is made of literals, operators and at least one positional
// parameter: constant for bpftrace, known only at tool start for bt2bin.
bool depends_only_on_positionals(const Node &n);

// Whether `n` is a literal as bpftrace's is_literal() sees it: 1, -1, "s", true.
bool is_literal_node(const Node &n);

// printf-style `format` applied to literal `args` (integers, strings, bools).
// On a bad format or a non-literal argument returns nullopt and sets `why`.
std::optional<std::string> format_literal_message(const std::string &format, const std::vector<const Node *> &args,
                                                  std::string &why);

}  // namespace bt2bin
