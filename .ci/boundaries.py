#!/usr/bin/env python3
"""The house rules that keep src/ a house a newcomer can live in (issue #14).

1. No Rust source file (src/, tests/, examples/, fuzz targets) is over 400 lines.
2. `actix_web` is named only at the edge: src/http/, src/startup.rs, src/main.rs.
3. No import circle: neither between the files of src/ nor between its
   top-level modules (folders and top-level files). Test code (`#[cfg(test)]`
   items and `tests.rs` files) does not count; a file and the module that
   contains it (its parent, grandparent...) may name each other.

Prints each broken rule with the file and line, exits 1 if any; `--graph`
prints which top-level module imports which instead. It reads the
source with a small lexer (comments, strings and chars stripped), not with the
compiler, so it sees `crate::` and `super::` paths as written.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINES = 400
RUST_DIRS = ["src", "tests", "examples", os.path.join("fuzz", "fuzz_targets")]
ACTIX_ALLOWED = [os.path.join("src", "http") + os.sep, os.path.join("src", "startup.rs"), os.path.join("src", "main.rs")]

TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<raw>r(?P<hashes>\#*)"(?:.|\n)*?"(?P=hashes))"""
    r"""|(?P<string>b?"(?:\\.|[^"\\])*")"""
    r"""|(?P<char>b?'(?:\\(?:u\{[0-9a-fA-F]+\}|.)|[^'\\])')"""
    r"""|(?P<attr>\#\[cfg\(test\)\])"""
    r"""|(?P<path>\b(?:crate|super|self)(?:::(?:[A-Za-z_]\w*|\{))+)"""
    r"""|(?P<mod>\bmod\s+[A-Za-z_]\w*\s*\{)"""
    r"""|(?P<open>\{)|(?P<close>\})|(?P<semi>;)""",
    re.S,
)


def rust_files():
    for top in RUST_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d != "target"]
            for name in sorted(filenames):
                if name.endswith(".rs"):
                    yield os.path.relpath(os.path.join(dirpath, name), ROOT)


def module_of(path):
    """src/a/b.rs -> ('a', 'b'); src/a/mod.rs -> ('a',); src/lib.rs -> ()."""
    parts = path[len("src/") : -len(".rs")].split("/")
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def use_tree(text, start):
    """The paths of a `{...}` use tree starting at text[start] == '{'."""
    depth, i, item, items = 0, start, "", []
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
            if depth > 1:
                item += c
        elif c == "}":
            depth -= 1
            if depth == 0:
                items.append(item)
                break
            item += c
        elif c == "," and depth == 1:
            items.append(item)
            item = ""
        else:
            item += c
        i += 1
    paths = []
    for item in (s.strip() for s in items):
        if not item:
            continue
        head, sep, rest = item.partition("::{")
        if sep:
            paths += [head + "::" + p for p in use_tree("{" + rest, 0)]
        else:
            paths.append(re.split(r"\s+as\s+", item)[0].strip())
    return paths


def references(path, text):
    """(line, module the code is in, path segments) for each crate/super/self path outside test code."""
    module = list(module_of(path))
    inline = []  # (brace depth at which an inline `mod x {` opened)
    depth, skip_from, test_next = 0, None, False
    for m in TOKEN.finditer(text):
        kind = m.lastgroup if m.lastgroup != "hashes" else "raw"
        if kind in ("comment", "raw", "string", "char"):
            continue
        if kind == "attr":
            test_next = skip_from is None
            continue
        if kind == "semi":
            # `#[cfg(test)] mod tests;` or `use ...;`: nothing to skip.
            test_next = False
            continue
        if kind in ("open", "mod"):
            if test_next:
                skip_from, test_next = depth, False
            depth += 1
            if kind == "mod":
                inline.append((depth, m.group().split()[1].rstrip("{").strip()))
            continue
        if kind == "close":
            depth -= 1
            if inline and inline[-1][0] == depth + 1:
                inline.pop()
            if skip_from is not None and depth == skip_from:
                skip_from = None
            continue
        if kind == "path":
            if skip_from is not None:
                continue
            here = module + [name for _, name in inline]
            written = m.group()
            line = text.count("\n", 0, m.start()) + 1
            if written.endswith("{"):
                # The use tree's `{` was taken with the path; its `}` closes it.
                depth += 1
            paths = [written]
            if written.endswith("{"):
                prefix = written[:-3]
                paths = [prefix + "::" + p for p in use_tree(text, m.end() - 1)]
            for p in paths:
                segments = p.split("::")
                if segments[0] == "crate":
                    target = segments[1:]
                else:
                    target = list(here)
                    for s in segments:
                        if s == "super":
                            target = target[:-1]
                        elif s != "self":
                            break
                    target += [s for s in segments if s not in ("super", "self")]
                yield line, tuple(here), tuple(target)


def resolve(target, modules):
    """The longest known module that `target` names (or is inside)."""
    for n in range(len(target), 0, -1):
        if target[:n] in modules:
            return target[:n]
    return ()


def related(a, b):
    """One module contains the other (or they are the same)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def cycles(edges):
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts})

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    problems = []
    sources = {}
    for path in rust_files():
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = f.read()
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        if lines > MAX_LINES:
            problems.append(f"{path}: {lines} lines; a source file is at most {MAX_LINES}")
        if path.startswith("src" + os.sep):
            sources[path] = text
            if not any(path.startswith(a) or path == a for a in ACTIX_ALLOWED):
                code = TOKEN.sub(lambda m: m.group() if m.lastgroup in ("path", "mod", "open", "close", "attr", "semi") else " ", text)
                named = [n for n, line in enumerate(code.splitlines(), 1) if re.search(r"\bactix_web\b", line)]
                if named:
                    lines_at = ", ".join(map(str, named[:5])) + (" ..." if len(named) > 5 else "")
                    problems.append(f"{path}:{named[0]}: names actix_web outside the edge (src/http/, startup.rs, main.rs), at lines {lines_at}")

    # Test-only files (a module's `tests.rs`) and the binary are not part of the graph.
    modules = {module_of(p): p for p in sources if not p.endswith(os.sep + "tests.rs") and p != os.path.join("src", "main.rs")}
    file_edges, top_edges, where = {}, {}, {}
    for module, path in modules.items():
        for line, here, target in references(path, sources[path]):
            to = resolve(target, modules)
            if not to or related(module, to):
                continue
            file_edges.setdefault(module, set()).add(to)
            where.setdefault((module, to), f"{path}:{line}")
            if module[:1] != to[:1]:
                top_edges.setdefault(module[:1], set()).add(to[:1])
                where.setdefault((module[:1], to[:1]), f"{path}:{line}")

    for label, edges in (("files", file_edges), ("top-level modules", top_edges)):
        for component in cycles(edges):
            members = set(component)
            shown = [f"{'::'.join(a)} -> {'::'.join(b)} ({where[(a, b)]})" for a in component for b in sorted(edges.get(a, ())) if b in members]
            problems.append(f"import circle between {label}: " + "; ".join(shown))

    if "--graph" in sys.argv:
        for a in sorted(top_edges):
            print(f"{'::'.join(a)} -> {', '.join(sorted('::'.join(b) for b in top_edges[a]))}")
        return 0
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} boundary problem(s); see CONTRIBUTING.md for the map of src/")
        return 1
    print(f"boundaries hold: {len(sources)} files in src/, none over {MAX_LINES} lines, actix_web only at the edge, no import circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
