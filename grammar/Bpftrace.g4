// Bpftrace.g4: the grammar of the bpftrace language (v0.26), one combined
// ANTLR4 grammar. frontend/parser.cpp is the only user of the generated code:
// it runs this lexer/parser, turns syntax errors into Diagnostics and builds
// the owned AST (frontend/ast.h) from the parse tree.
//
// Lexing is context dependent, as in bpftrace itself: at brace depth 0 an
// attach point such as `uprobe:/usr/lib/libc.so.6:malloc` or `kprobe:vfs_*`
// is ONE token (ATTACH_POINT), while inside a block, a predicate or a
// function signature the same characters are operators. Combined grammars
// cannot have lexer modes, so this is done with lexer predicates over a
// little state kept by the lexer (see @lexer::members): the brace depth,
// whether a predicate `/ ... /` is open, whether a `macro`/`fn` signature is
// being read. The grammar has no other actions.
//
// An attach point needs a `:` (`kprobe:f`, `i:s:1`); the colon-less special
// probes `BEGIN`, `END`, `begin`, `end` are plain identifiers that the probe
// rule accepts. A predicate opens with `/` at depth 0 and closes with a `/`
// whose next non-blank character is `{` (PRED_CLOSE), as in bpftrace.
//
// Statement separators: a statement ends with `;`. The last statement of a
// block may omit it, and compound statements (if, while, for, unroll, nested
// blocks) need none. parser.cpp's token source supplies the omitted ones as
// IMPLICIT_SEMI tokens (zero width): before a block's `}` unless it follows
// `{` or `;`, and after a nested block's `}` when the next token starts a new
// statement. This keeps statement decisions LL(1) and lets the parser say
// "expected ';' after statement" at the right place.
//
// `if`/`{` at the start of a statement are parsed as if-/block expressions;
// parser.cpp turns such expression statements into If/Block statements.

grammar Bpftrace;

tokens { IMPLICIT_SEMI }

@lexer::members {
  // Lexer state for the predicates below, updated after every token.
  int brace_depth_ = 0;       // `{` minus `}` seen so far
  bool in_predicate_ = false; // between a probe's opening `/` and PRED_CLOSE
  bool in_signature_ = false; // after `macro`/`fn` at depth 0, until its `{`

  // An attach point can only be lexed at the top level of the script.
  bool at_top_level() const {
    return brace_depth_ == 0 && !in_predicate_ && !in_signature_;
  }

  // True when the `/` just matched closes a predicate: a predicate is open at
  // depth 0 and the next character that is not blank or inside a comment is
  // `{` (bpftrace's rule: in `/ x / 2 /` the first one divides).
  bool slash_closes_predicate() {
    if (!in_predicate_ || brace_depth_ != 0) return false;
    const size_t eof = antlr4::IntStream::EOF;
    for (ssize_t i = 1;; i++) {
      size_t c = _input->LA(i);
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      if (c == '/' && _input->LA(i + 1) == '/') {
        for (i += 2; _input->LA(i) != '\n' && _input->LA(i) != eof; i++) {}
        if (_input->LA(i) == eof) return false;
        continue;
      }
      if (c == '/' && _input->LA(i + 1) == '*') {
        for (i += 2; !(_input->LA(i) == '*' && _input->LA(i + 1) == '/'); i++)
          if (_input->LA(i) == eof) return false;
        i++;
        continue;
      }
      return c == '{';
    }
  }

  std::unique_ptr<antlr4::Token> nextToken() override {
    std::unique_ptr<antlr4::Token> t = antlr4::Lexer::nextToken();
    switch (t->getType()) {
      case LBRACE:
        if (brace_depth_ == 0) in_predicate_ = in_signature_ = false;
        brace_depth_++;
        break;
      case RBRACE:
        if (brace_depth_ > 0) brace_depth_--;
        break;
      case DIV:
        if (at_top_level()) in_predicate_ = true;
        break;
      case PRED_CLOSE:
        in_predicate_ = false;
        break;
      case MACRO:
      case FN:
        if (brace_depth_ == 0) in_signature_ = true;
        break;
      default:
        break;
    }
    return t;
  }
}

// ===================================================================
// Parser rules
// ===================================================================

// program = shebang? top-level-item* EOF
program
  : SHEBANG? topItem* EOF
  ;

// A top-level item. C definitions, config and imports are accepted
// anywhere here; parser.cpp reports those that come after probes.
topItem
  : CPREPROC                                                   # cPreprocItem
  | C_DEFINITION                                               # cDefinitionItem
  | CONFIG ASSIGN block SEMI?                                  # configItem
  | IMPORT STRING SEMI?                                        # importItem
  | MACRO (IDENT | BUILTIN) LPAREN (macroParam (COMMA macroParam)*)? RPAREN block  # macroItem
  | FN (IDENT | BUILTIN) LPAREN (fnParam (COMMA fnParam)*)? RPAREN (COLON typeSpec)? block  # fnItem
  | LET MAP ASSIGN IDENT LPAREN INT RPAREN SEMI?               # mapDeclItem
  | probe                                                      # probeItem
  | SEMI                                                       # emptyItem
  ;

macroParam
  : VAR | MAP | IDENT | BUILTIN
  ;

fnParam
  : VAR COLON typeSpec
  ;

// probe = attach-point ("," attach-point)* ","? predicate? block
probe
  : attachPoint (COMMA attachPoint)* COMMA? predicate? block
  ;

// BEGIN/END/begin/end have no `:` and are lexed as identifiers. A `name=`
// label is part of the ATTACH_POINT token when written without spaces.
attachPoint
  : (IDENT ASSIGN)? (ATTACH_POINT | IDENT)
  ;

predicate
  : DIV expr PRED_CLOSE
  ;

// block = "{" (statement ";" | ";")* "}"
block
  : LBRACE blockItem* RBRACE
  ;

blockItem
  : statement semi
  | semi
  ;

semi
  : SEMI
  | IMPLICIT_SEMI
  ;

statement
  : LET VAR (COLON typeSpec)? (ASSIGN expr)?                   # letStmt
  | UNDERSCORE ASSIGN expr                                     # discardStmt
  | WHILE condition block                                      # whileStmt
  | UNROLL condition block                                     # unrollStmt
  | FOR (LPAREN forHeader RPAREN | forHeader) block            # forStmt
  | BREAK                                                      # breakStmt
  | CONTINUE                                                   # continueStmt
  | RETURN expr?                                               # returnStmt
  | IMPORT STRING                                              # importStmt
  | expr (assignOp expr)?                                      # exprStmt
  ;

forHeader
  : VAR COLON expr (DOTDOT expr)?
  ;

assignOp
  : ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | DIV_ASSIGN | MOD_ASSIGN
  | AND_ASSIGN | OR_ASSIGN | XOR_ASSIGN | SHL_ASSIGN | SHR_ASSIGN
  ;

// ---- expressions, lowest precedence first ----

expr
  : ternaryExpr
  ;

// c ? a : b, and the short form a ?: b
ternaryExpr
  : lorExpr (QUESTION expr? COLON ternaryExpr)?
  ;

lorExpr      : landExpr (LOR landExpr)* ;
landExpr     : borExpr (LAND borExpr)* ;
borExpr      : bxorExpr (PIPE bxorExpr)* ;
bxorExpr     : bandExpr (CARET bandExpr)* ;
bandExpr     : equalityExpr (AMP equalityExpr)* ;
equalityExpr : relationalExpr ((EQ | NE) relationalExpr)* ;
relationalExpr : shiftExpr ((LT | GT | LE | GE) shiftExpr)* ;
shiftExpr    : additiveExpr ((SHL | SHR) additiveExpr)* ;
additiveExpr : multiplicativeExpr ((PLUS | MINUS) multiplicativeExpr)* ;
multiplicativeExpr : unaryExpr ((STAR | DIV | MOD) unaryExpr)* ;

// Prefix operators, casts, postfix chains. A cast's operand may not start
// with `{` or `if` (see castOperand) so that `if (x) {` stays LL(2).
unaryExpr
  : op=(MINUS | NOT | TILDE | STAR | AMP | INC | DEC) unaryExpr # prefixExpr
  | COMPTIME unaryExpr                                          # comptimeExpr
  | LPAREN typeSpec RPAREN castOperand                          # castExpr
  | primary postfixOp*                                          # postfixExpr
  ;

castOperand
  : op=(MINUS | NOT | TILDE | STAR | AMP | INC | DEC) unaryExpr
  | COMPTIME unaryExpr
  | LPAREN typeSpec RPAREN castOperand
  | atom postfixOp*
  ;

postfixOp
  : DOT fieldName                                  # fieldOp
  | DOT INT                                        # tupleIndexOp
  | ARROW fieldName                                # arrowOp
  | LBRACKET expr (COMMA expr)* RBRACKET           # indexOp
  | op=(INC | DEC)                                 # postIncDecOp
  ;

primary
  : atom
  | block
  | ifExpr
  ;

// if c { a } else if d { b } else { c }
ifExpr
  : IF condition block (ELSE (ifExpr | block))?
  ;

// The condition of if/while/unroll. Parentheses are optional, but without
// them only a unary expression fits (`if !$x {`), and it cannot start with
// `{` (so `if {` is an error, not a block used as the condition).
condition
  : castOperand
  ;

atom
  : INT                                                        # intAtom
  | STRING                                                     # stringAtom
  | (TRUE | FALSE)                                             # boolAtom
  | PARAM                                                      # paramAtom
  | PARAM_COUNT                                                # paramCountAtom
  | VAR                                                        # varAtom
  | MAP                                                        # mapAtom
  | (IDENT | BUILTIN) LPAREN (expr (COMMA expr)*)? RPAREN      # callAtom
  | (IDENT | BUILTIN | CONFIG)                                 # identAtom
  | LPAREN RPAREN                                              # emptyTupleAtom
  | LPAREN IDENT ASSIGN expr (COMMA IDENT ASSIGN expr)* COMMA? RPAREN   # recordAtom
  | LPAREN expr (COMMA (expr (COMMA expr)* COMMA?)?)? RPAREN   # parenAtom
  | SIZEOF LPAREN (typeSpec | expr) RPAREN                     # sizeofAtom
  | OFFSETOF LPAREN (typeSpec | expr) COMMA fieldPath RPAREN   # offsetofAtom
  | TYPEOF LPAREN (typeSpec | expr) RPAREN                     # typeofAtom
  | TYPEINFO LPAREN (typeSpec | expr) RPAREN                   # typeinfoAtom
  ;

fieldPath
  : fieldName (DOT fieldName)*
  ;

// Field names may be spelled like keywords, builtins or type names.
fieldName
  : IDENT | BUILTIN | TYPE_NAME | IF | ELSE | WHILE | FOR | UNROLL | BREAK
  | CONTINUE | RETURN | LET | IMPORT | SIZEOF | OFFSETOF | TYPEOF | TYPEINFO
  | COMPTIME | TRUE | FALSE | STRUCT | UNION | ENUM | UNDERSCORE | CONFIG
  | MACRO | FN
  ;

// ---- types: int32, string[16], struct task_struct *, uint8[4], typeof(x) ----

typeSpec
  : typeBase typeSuffix*
  ;

typeBase
  : (STRUCT | UNION | ENUM) fieldName                          # recordTypeBase
  | TYPE_NAME                                                  # builtinTypeBase
  | IDENT                                                      # namedTypeBase
  | TYPEOF LPAREN (typeSpec | expr) RPAREN                     # typeofTypeBase
  ;

typeSuffix
  : STAR
  | LBRACKET INT? RBRACKET
  ;


// ===================================================================
// Lexer
// ===================================================================

SHEBANG       : '#!' ~[\r\n]* ;
CPREPROC      : '#' ( '\\' '\r'? '\n' | ~[\r\n] )* ;

// struct/union/enum definitions are kept as raw text for clang (they only
// occur at the top level; `struct X` inside a block has no `{` after it).
C_DEFINITION
  : ('struct' | 'union' | 'enum') [ \t\r\n]+ (IDENT_BODY [ \t\r\n]*)? C_BRACED
    ([ \t\r\n]* '__attribute__' [ \t\r\n]* C_PARENS)* ([ \t\r\n]* ';')?
  ;

// One attach point, with an optional `name=` label: everything up to
// whitespace, `{`, `}`, `,` or `;`. Before the first `:` a `/` ends it (it
// starts a predicate); after it, `/` is part of a path, even in `//` or `/*`
// (`usdt:/usr/bin/*:gc__start`), as in bpftrace. Quoted parts ("ns::f(int)")
// may contain anything but a newline. Only at the top level.
ATTACH_POINT
  : (IDENT_BODY '=')? AP_HEAD ':' {at_top_level()}? AP_TAIL*
  ;

PRED_CLOSE    : '/' {slash_closes_predicate()}? ;

LBRACE        : '{' ;
RBRACE        : '}' ;
LPAREN        : '(' ;
RPAREN        : ')' ;
LBRACKET      : '[' ;
RBRACKET      : ']' ;
COMMA         : ',' ;
SEMI          : ';' ;
COLON         : ':' ;
QUESTION      : '?' ;
DOTDOT        : '..' ;
DOT           : '.' ;
ARROW         : '->' ;

SHL_ASSIGN    : '<<=' ;
SHR_ASSIGN    : '>>=' ;
PLUS_ASSIGN   : '+=' ;
MINUS_ASSIGN  : '-=' ;
STAR_ASSIGN   : '*=' ;
DIV_ASSIGN    : '/=' ;
MOD_ASSIGN    : '%=' ;
AND_ASSIGN    : '&=' ;
OR_ASSIGN     : '|=' ;
XOR_ASSIGN    : '^=' ;
EQ            : '==' ;
NE            : '!=' ;
LE            : '<=' ;
GE            : '>=' ;
SHL           : '<<' ;
SHR           : '>>' ;
LAND          : '&&' ;
LOR           : '||' ;
INC           : '++' ;
DEC           : '--' ;
ASSIGN        : '=' ;
LT            : '<' ;
GT            : '>' ;
PLUS          : '+' ;
MINUS         : '-' ;
STAR          : '*' ;
DIV           : '/' ;
MOD           : '%' ;
AMP           : '&' ;
PIPE          : '|' ;
CARET         : '^' ;
NOT           : '!' ;
TILDE         : '~' ;

CONFIG        : 'config' ;
IMPORT        : 'import' ;
MACRO         : 'macro' ;
FN            : 'fn' ;
LET           : 'let' ;
IF            : 'if' ;
ELSE          : 'else' ;
WHILE         : 'while' ;
FOR           : 'for' ;
UNROLL        : 'unroll' ;
BREAK         : 'break' ;
CONTINUE      : 'continue' ;
RETURN        : 'return' ;
SIZEOF        : 'sizeof' ;
OFFSETOF      : 'offsetof' ;
TYPEOF        : 'typeof' ;
TYPEINFO      : 'typeinfo' ;
COMPTIME      : 'comptime' ;
TRUE          : 'true' ;
FALSE         : 'false' ;
STRUCT        : 'struct' ;
UNION         : 'union' ;
ENUM          : 'enum' ;
TYPE_NAME
  : 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string' | 'buffer' | 'inet' | 'void'
  ;
UNDERSCORE    : '_' ;

// Builtin variables get their own token so that `(pid) - 1` is not a cast.
BUILTIN
  : 'pid' | 'tid' | 'uid' | 'gid' | 'nsecs' | 'elapsed' | 'cpu' | 'ncpus'
  | 'numaid' | 'comm' | 'pcomm' | 'ppid' | 'leader_comm' | 'leader_tid'
  | 'kstack' | 'ustack' | 'args' | 'retval' | 'func' | 'probe' | 'probetype'
  | 'curtask' | 'cgroup' | 'cpid' | 'has_cpid' | 'rand' | 'jiffies'
  | 'usermode' | 'ctx' | 'username'
  | 'arg' [0-9]+
  ;

PARAM_COUNT   : '$#' ;
PARAM         : '$' [0-9]+ ;
VAR           : '$' IDENT_BODY ;
MAP           : '@' [a-zA-Z0-9_]* ;
// Integer literals are lexed loosely (a digit, then any identifier
// characters: 0x1F, 1_000, 2e3, 10UL, 100ms) and checked by parser.cpp.
INT           : [0-9] [a-zA-Z0-9_]* ;
STRING        : '"' ( '\\' . | ~["\\\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( '\\' . | ~["\\\r\n] )* '\\'? ;
// Not bpftrace syntax: lexed only to report "use double quotes".
SINGLE_QUOTED_STRING : '\'' ( '\\' . | ~['\\\r\n] )* '\'' ;
IDENT         : IDENT_BODY ;

WS            : [ \t\r\n]+ -> skip ;
LINE_COMMENT  : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF ;
ERROR_CHAR    : . ;

fragment IDENT_BODY : [a-zA-Z_] [a-zA-Z0-9_]* ;
fragment AP_HEAD : ~[ \t\r\n{}(),;:="/#]+ ;
fragment AP_TAIL
  : ~[ \t\r\n{},;"]
  | '"' ( '\\' . | ~["\\\r\n] )* '"'
  ;
fragment C_BRACED
  : '{' ( C_BRACED | '/*' .*? '*/' | '//' ~[\r\n]* | '"' ( '\\' . | ~["\\\r\n] )* '"' | ~[{}] )* '}'
  ;
fragment C_PARENS : '(' ( C_PARENS | ~[()] )* ')' ;
