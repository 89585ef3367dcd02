#!/usr/bin/env python3
# Review aid for the parse-corpus goldens (not run by CTest): normalises the
# `bt2bin -d ast` dump and bpftrace 0.17's `bpftrace -d` parser dump of the same
# script to s-expressions and compares them per probe, so precedence, literal
# values and statement structure are checked against a second parser.
# Needs root and Debian's bpftrace 0.17; scripts 0.17 cannot parse are SKIPped.
# Usage: crosscheck_bpftrace017.py BUILD_DIR/bt2bin FILE.bt...
import re, subprocess, sys, os

def tree(lines, indent_unit):
    root = {'label': 'ROOT', 'kids': []}
    stack = [(-1, root)]
    for ln in lines:
        if not ln.strip():
            continue
        n = len(ln) - len(ln.lstrip(' '))
        depth = n // indent_unit
        node = {'label': ln.strip(), 'kids': []}
        while stack[-1][0] >= depth:
            stack.pop()
        stack[-1][1]['kids'].append(node)
        stack.append((depth, node))
    return root

BINOPS = set('+ - * / % << >> < > <= >= == != & | ^ && ||'.split())

def s(x):
    return x if isinstance(x, str) else '(' + ' '.join(s(i) for i in x) + ')'

# ---------- bpftrace 0.17 ----------
def n17(node):
    lab = re.sub(r' :: type\[.*\]$', '', node['label'])
    k = node['kids']
    if lab.startswith('int: '): return lab[5:]
    if lab.startswith('string: '): return '"' + lab[8:] + '"'
    if lab.startswith('builtin: '): return lab[9:]
    if lab.startswith('variable: '):
        v = lab[10:]
        if k and k[0]['label'] in ('++', '--'): return ['post' + k[0]['label'], v]
        return v
    if lab.startswith('param: '): return lab[7:]
    if lab.startswith('identifier: '): return lab[12:].replace(' ', '')
    if lab.startswith('map: '):
        name = lab[5:]
        keys = [c for c in k if c['label'] not in ('++', '--')]
        post = [c['label'] for c in k if c['label'] in ('++', '--')]
        m = ['map', name] + [n17(c) for c in keys]
        return ['post' + post[0], m] if post else m
    if lab.startswith('call: '):
        return ['call', lab[6:]] + [n17(c) for c in k]
    if lab in BINOPS and len(k) == 2: return [lab, n17(k[0]), n17(k[1])]
    if lab in ('-', '!', '~') and len(k) == 1: return ['u' + lab, n17(k[0])]
    if lab in ('++', '--') and len(k) == 1: return ['pre' + lab, n17(k[0])]
    if lab == 'dereference': return ['u*', n17(k[0])]
    if lab == '?:': return ['?:'] + [n17(c) for c in k]
    if lab == '.':
        obj, f = k[0], k[1]['label']
        if re.fullmatch(r'\d+', f): return ['tuple_index', n17(obj), f]
        if obj['label'] == 'dereference': return ['field', n17(obj['kids'][0]), f]
        return ['field', n17(obj), f]
    if lab == '[]': return ['index', n17(k[0]), n17(k[1])]
    if lab == 'tuple:': return ['tuple'] + [n17(c) for c in k]
    if re.fullmatch(r'\(.*\)', lab): return ['cast', lab[1:-1].replace(' ', ''), n17(k[0])]
    if lab == '=': return ['=', n17(k[0]), n17(k[1])]
    if lab == 'pred': return ['pred', n17(k[0])]
    if lab == 'if':
        out = ['if', n17(k[0])]
        for c in k[1:]:
            out.append([c['label']] + [n17(x) for x in c['kids']])
        return out
    if lab == 'unroll': return ['unroll', n17(k[0]), ['body'] + [n17(x) for x in k[1]['kids']]]
    if lab in ('break', 'continue', 'return'): return [lab] + [n17(c) for c in k]
    return ['?17', lab] + [n17(c) for c in k]

# ---------- bt2bin ----------
def nbt(node):
    lab = node['label']
    k = node['kids']
    m = re.match(r'int (\d+)', lab)
    if m: return m.group(1)
    if lab.startswith('string '): return lab[7:]
    for p in ('builtin ', 'variable ', 'positional '):
        if lab.startswith(p): return lab[len(p):]
    if lab.startswith('map '):
        return ['map', lab[4:]] + [nbt(c) for c in k]
    if lab.startswith('call '):
        return ['call', lab[5:]] + [nbt(c) for c in k]
    if lab.startswith('binop '): return [lab[6:], nbt(k[0]), nbt(k[1])]
    if lab.startswith('unop '): return ['u' + lab[5:], nbt(k[0])]
    m = re.match(r'incdec (pre|post) (\+\+|--)', lab)
    if m: return [m.group(1) + m.group(2), nbt(k[0])]
    if lab == 'ternary': return ['?:'] + [nbt(c) for c in k]
    m = re.match(r'field (->|\.)(.*)', lab)
    if m: return ['field', nbt(k[0]), m.group(2)]
    m = re.match(r'tuple_index (\d+)', lab)
    if m: return ['tuple_index', nbt(k[0]), m.group(1)]
    if lab == 'index': return ['index', nbt(k[0]), nbt(k[1])]
    if lab == 'tuple': return ['tuple'] + [nbt(c) for c in k]
    m = re.match(r'cast \((.*)\)', lab)
    if m: return ['cast', m.group(1).replace(' ', ''), nbt(k[-1])]
    m = re.match(r'sizeof (.*)', lab)
    if m and not k: return ['call', 'sizeof', m.group(1).replace(' ', '')]
    if lab == 'expr_stmt': return nbt(k[0])
    m = re.match(r'assign (.*)=', lab)
    if m:
        op = m.group(1)
        l, r = nbt(k[0]), nbt(k[1])
        return ['=', l, [op, l, r] if op else r]
    if lab == 'predicate': return ['pred', nbt(k[0])]
    if lab == 'if':
        out = ['if', nbt(k[0])]
        for c in k[1:]:
            out.append([c['label']] + [nbt(x) for x in c['kids']])
        return out
    if lab == 'unroll': return ['unroll', nbt(k[0]), ['body'] + [nbt(x) for x in k[1]['kids']]]
    if lab in ('break', 'continue', 'return'): return [lab] + [nbt(c) for c in k]
    return ['?bt', lab] + [nbt(c) for c in k]

def probes_17(text):
    m = re.search(r'AST after: parser\n-+\n(.*?)\n\n', text, re.S)
    if not m: return None
    lines = m.group(1).split('\n')
    if 'Program' not in lines: return None
    lines = lines[lines.index('Program') + 1:]
    t = tree(lines, 1)
    out = []
    pending = []
    for p in t['kids']:
        if not p['kids']:
            pending.append(p['label']); continue
        out.append((','.join(pending + [p['label']]), [s(n17(c)) for c in p['kids']]))
        pending = []
    if pending:
        out.append((','.join(pending), []))
    return out

def probes_bt(text):
    t = tree(text.split('\n'), 2)
    out = []
    for p in t['kids']:
        if not p['label'].startswith('probe '): continue
        out.append((p['label'][6:].replace(', ', ','), [s(nbt(c)) for c in p['kids']]))
    return out

def main():
    bt2bin = os.path.abspath(sys.argv[1])
    for path in sys.argv[2:]:
        d, f = os.path.split(path)
        r17 = subprocess.run(['timeout', '20', 'bpftrace', '-d', f], cwd=d or '.', capture_output=True, text=True, errors='replace', stdin=subprocess.DEVNULL)
        p17 = probes_17(r17.stdout + r17.stderr)
        if p17 is None:
            print(f'SKIP {path}: bpftrace 0.17 did not parse it'); continue
        rbt = subprocess.run([bt2bin, '-d', 'ast', f], cwd=d or '.', capture_output=True, text=True, errors='replace')
        pbt = probes_bt(rbt.stdout)
        if len(p17) != len(pbt):
            print(f'DIFF {path}: {len(p17)} probes vs {len(pbt)}'); continue
        bad = False
        for (a17, s17), (abt, sbt) in zip(p17, pbt):
            if a17.replace(' ', '') != abt.replace(' ', ''):
                print(f'DIFF {path}: attach {a17!r} vs {abt!r}'); bad = True
            if s17 != sbt:
                bad = True
                print(f'DIFF {path} probe {abt}:')
                for i in range(max(len(s17), len(sbt))):
                    x = s17[i] if i < len(s17) else '<none>'
                    y = sbt[i] if i < len(sbt) else '<none>'
                    if x != y:
                        print(f'   0.17 : {x}\n   bt2bin: {y}')
        if not bad:
            print(f'SAME {path}')

main()
