#!/usr/bin/env python3
"""Every file the crate embeds is copied into the Dockerfile's builder stage (issue #18).

`.ci/container.sh` builds the binary on the host and gives the image only the
result, so it cannot notice a folder the Dockerfile forgets to copy: a new
`include_str!("../../ui/app.js")` builds here and breaks `docker build .`.
This check reads, without the compiler:

- every `include_str!(` / `include_bytes!(` / `include!(` in `src/` (and in the
  build script, `build.rs` or Cargo.toml's `build = "..."`, if there is one),
  outside comments and strings, with its path resolved as rustc does: a
  literal relative to the file that names it,
  `concat!(env!("CARGO_MANIFEST_DIR"), "/x")` relative to the crate; a path
  under `OUT_DIR` is made by the build script, so its inputs count instead;
  `include_str!($file)` inside a `macro_rules!` embeds what each invocation
  of that macro in the same file passes as `$file` (a string literal);
- the build script itself and its `rerun-if-changed` inputs (relative to the
  crate);
- the `COPY` and `ADD` lines of the stage named `builder` (and of the stages it
  is built `FROM`), with `WORKDIR`, `ARG`/`ENV` defaults, globs, the JSON form,
  `.dockerignore`, and where each copy lands: a file is covered only when it
  lands at its place under the crate's root in the image (where `Cargo.toml`
  lands), since that is where rustc looks for it.

Prints each file that is not covered with the line that embeds it and exits
1; a path it cannot resolve is reported the same way. Python 3, no packages.

    python3 .ci/embedded.py [--root DIR] [--dockerfile FILE]
"""
import argparse
import fnmatch
import json
import os
import posixpath
import re
import shlex
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Comments and literals are matched first, so a macro named inside them is skipped.
TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)"""
    r"""|(?P<raw>b?r(?P<hashes>\#*)"(?:.|\n)*?"(?P=hashes))"""
    r"""|(?P<string>b?"(?:\\.|[^"\\])*")"""
    r"""|(?P<char>b?'(?:\\(?:u\{[0-9a-fA-F]+\}|.)|[^'\\])')""",
    re.S,
)
LITERAL = re.compile(r'''\s*(?:b?r(?P<h>\#*)"(?P<raw>.*?)"(?P=h)|b?"(?P<str>(?:\\.|[^"\\])*)")\s*''', re.S)
RERUN = re.compile(r"""cargo::?rerun-if-changed=([^"\\\n)]+)""")


class Embedded:
    """One file the crate needs at build time, and the line that names it."""

    def __init__(self, path, source, line, text):
        self.path = path  # relative to the crate root, "/"-separated, or None
        self.source = source  # the file naming it, relative to the crate root
        self.line = line
        self.text = text  # the line as written, or why it cannot be resolved

    def where(self):
        return f"{self.source}:{self.line}: {self.text}"


def unescape(literal):
    match = LITERAL.fullmatch(literal)
    if not match:
        return None
    if match.group("raw") is not None:
        return match.group("raw")
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), match.group("str"))


def blanked(text):
    """The text with the insides of comments and literals as spaces, offsets kept,
    so brackets, commas and macro names are searched in code only."""
    out = list(text)
    for token in TOKEN.finditer(text):
        # A comment goes whole; a literal keeps its quotes, so it is still an argument.
        inside = 0 if token.group("comment") else 1
        for i in range(token.start() + inside, token.end() - inside):
            if out[i] != "\n":
                out[i] = " "
    return "".join(out)


def bracket_end(code, open_at):
    """The offset of the bracket closing the one at open_at, or None."""
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] in "([{":
            depth += 1
        elif code[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return None


def top_level_args(code, start, end):
    """(start, end) of each comma-separated argument between start and end."""
    spans, depth, begin = [], 0, start
    for i in range(start, end):
        if code[i] in "([{":
            depth += 1
        elif code[i] in ")]}":
            depth -= 1
        elif code[i] == "," and depth == 0:
            spans.append((begin, i))
            begin = i + 1
    if code[begin:end].strip():
        spans.append((begin, end))
    return spans


def macro_uses(text, code, offset, var):
    """For `include_str!($var)` inside a `macro_rules!` at offset: the literal
    each invocation of that macro in the same file passes as `$var`, as
    (offset of the invocation, the literal or None)."""
    for definition in re.finditer(r"\bmacro_rules!\s*(\w+)\s*([(\[{])", code):
        body_end = bracket_end(code, definition.end() - 1)
        if body_end is None or not definition.end() <= offset < body_end:
            continue
        index, i = None, definition.end()
        while i < body_end and index is None:
            while i < body_end and code[i] in " \t\r\n;":
                i += 1
            if i >= body_end or code[i] not in "([{":
                break
            matcher_end = bracket_end(code, i)
            arrow = code.find("=>", matcher_end)
            body = re.compile(r"\s*([(\[{])").match(code, arrow + 2) if arrow != -1 else None
            if matcher_end is None or body is None:
                break
            transcriber_end = bracket_end(code, body.start(1))
            if transcriber_end is None:
                break
            if body.start(1) <= offset < transcriber_end:
                names = re.findall(r"\$(\w+)\s*:\s*\w+", code[i + 1:matcher_end])
                index = names.index(var) if var in names else -1
            i = transcriber_end + 1
        if index is None or index < 0:
            return None
        uses = []
        for call in re.finditer(rf"\b{re.escape(definition.group(1))}\s*!\s*([(\[{{])", code):
            close = bracket_end(code, call.end() - 1)
            if close is None or definition.start() <= call.start() < body_end:
                continue
            spans = top_level_args(code, call.end(), close)
            literal = unescape(text[slice(*spans[index])]) if index < len(spans) else None
            uses.append((call.start(), literal))
        return uses
    return None


def resolve(argument, source_dir):
    """(crate-relative path, None), (None, None) for OUT_DIR, or (None, why)."""
    if argument is None:
        return None, "an unclosed macro"
    argument = argument.strip().rstrip(",").strip()
    literal = unescape(argument)
    if literal is not None:
        return posixpath.normpath(posixpath.join(source_dir, literal)), None
    concat = re.fullmatch(r"concat!\s*\((.*)\)", argument, re.S)
    if concat:
        inner = concat.group(1)
        if re.search(r'env!\s*\(\s*"OUT_DIR"\s*\)', inner):
            return None, None
        head = re.match(r'\s*env!\s*\(\s*"CARGO_MANIFEST_DIR"\s*\)\s*,', inner)
        if head:
            parts = [unescape(p) for p in re.findall(r'''b?r\#*".*?"\#*|b?"(?:\\.|[^"\\])*"''', inner[head.end():], re.S)]
            if parts and None not in parts:
                return posixpath.normpath("".join(parts).lstrip("/")), None
    if re.search(r'env!\s*\(\s*"OUT_DIR"\s*\)', argument):
        return None, None
    return None, "a path this check cannot resolve"


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def scan_rust(root, rel):
    """The files one Rust source embeds."""
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        text = f.read()
    code, lines = blanked(text), text.splitlines()
    found = []
    for token in re.finditer(r"\b(include_str|include_bytes|include)\s*!\s*\(", code):
        close = bracket_end(code, token.end() - 1)
        argument = text[token.end():close] if close is not None else None
        line = line_of(text, token.start())
        shown = lines[line - 1].strip()
        variable = re.fullmatch(r"\s*\$(\w+)\s*,?\s*", argument or "")
        if variable:
            # A macro_rules! that embeds what its invocations name: each
            # invocation is an embed, shown where it is written.
            uses = macro_uses(text, code, token.start(), variable.group(1))
            if uses is None:
                found.append(Embedded(None, rel, line, f"{shown} (a macro this check cannot follow)"))
            for at, literal in uses or []:
                use_line = line_of(text, at)
                use_shown = lines[use_line - 1].strip()
                if literal is None:
                    found.append(Embedded(None, rel, use_line, f"{use_shown} (not a string literal)"))
                else:
                    path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), literal))
                    found.append(Embedded(path, rel, use_line, use_shown))
            continue
        path, why = resolve(argument, posixpath.dirname(rel))
        if path is not None:
            found.append(Embedded(path, rel, line, shown))
        elif why is not None:
            found.append(Embedded(None, rel, line, f"{shown} ({why})"))
    return found


def build_script(root):
    """The build script's crate-relative path, or None."""
    try:
        with open(os.path.join(root, "Cargo.toml"), encoding="utf-8") as f:
            manifest = f.read()
    except OSError:
        manifest = ""
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", manifest, re.M | re.S)
    named = re.search(r'^\s*build\s*=\s*(?:"([^"]+)"|(false|true))', package.group(1) if package else "", re.M)
    if named and named.group(2) == "false":
        return None
    rel = named.group(1) if named and named.group(1) else "build.rs"
    return posixpath.normpath(rel) if os.path.isfile(os.path.join(root, rel)) else None


def embedded_files(root):
    """Everything the build reads beyond Cargo.toml: src/'s embeds, the build script and its inputs."""
    found = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "src")):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".rs"):
                rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                found.extend(scan_rust(root, rel))
    script = build_script(root)
    if script:
        found.append(Embedded(script, "Cargo.toml", 1, "the build script"))
        found.extend(scan_rust(root, script))
        with open(os.path.join(root, script), encoding="utf-8") as f:
            text = f.read()
        for match in RERUN.finditer(text):
            line = line_of(text, match.start())
            path = posixpath.normpath(match.group(1).strip())
            found.append(Embedded(path, script, line, text.splitlines()[line - 1].strip()))
    return found


def instructions(dockerfile_text):
    """(line number, instruction, arguments) with continuations joined and comments dropped."""
    out, pending, start = [], "", 0
    for number, raw in enumerate(dockerfile_text.splitlines(), 1):
        if not pending and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if pending and raw.lstrip().startswith("#"):
            continue
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        whole = (pending + raw).strip()
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((start, word.upper(), rest.strip()))
    return out


def substitute(value, variables):
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)",
                  lambda m: variables.get(m.group(1) or m.group(3), m.group(2) or ""), value)


class Copy:
    """One COPY or ADD from the build context: its sources and where they land."""

    def __init__(self, line, sources, dest, parents):
        self.line, self.sources, self.dest, self.parents = line, sources, dest, parents


def stages(dockerfile_text):
    """{stage name (lower case): (parent stage or None, [Copy])} in file order."""
    found, current, variables, workdir = {}, None, {}, "/"
    for line, word, rest in instructions(dockerfile_text):
        if word == "FROM":
            parts = rest.split()
            parts = [p for p in parts if not p.startswith("--")]
            name = parts[2].lower() if len(parts) >= 3 and parts[1].lower() == "as" else f"#{len(found)}"
            parent = parts[0].lower() if parts and parts[0].lower() in found else None
            copies = list(found[parent][1]) if parent else []
            workdir = found[parent][2] if parent else "/"
            current = name
            found[name] = (parent, copies, workdir)
            continue
        if current is None:
            continue
        if word in ("ARG", "ENV"):
            for item in shlex.split(rest):
                key, eq, value = item.partition("=")
                if eq:
                    variables[key] = substitute(value, variables)
        elif word == "WORKDIR":
            workdir = posixpath.normpath(posixpath.join(workdir, substitute(rest, variables)))
            found[current] = (found[current][0], found[current][1], workdir)
        elif word in ("COPY", "ADD"):
            if rest.startswith("["):
                flags, args = [], json.loads(rest)
            else:
                words = shlex.split(rest)
                flags = [w for w in words if w.startswith("--")]
                args = [w for w in words if not w.startswith("--")]
            if any(f.startswith("--from") for f in flags) or len(args) < 2:
                continue  # from another stage or image, not from the build context
            args = [substitute(a, variables) for a in args]
            sources = [s for s in args[:-1] if not re.match(r"^[a-z]+://|^git@", s)]
            dest = args[-1]
            dir_dest = dest.endswith("/") or len(args) > 2 or any(re.search(r"[*?\[]", s) for s in sources)
            dest = posixpath.normpath(posixpath.join(workdir, dest))
            copy = Copy(line, sources, (dest, dir_dest), "--parents" in flags)
            found[current][1].append(copy)
    return {name: (parent, copies) for name, (parent, copies, _) in found.items()}


def ignored(root):
    """A function telling whether .dockerignore keeps a context path out (last match wins)."""
    rules = []
    try:
        with open(os.path.join(root, ".dockerignore"), encoding="utf-8") as f:
            for raw in f:
                rule = raw.strip()
                if rule and not rule.startswith("#"):
                    negate = rule.startswith("!")
                    rule = posixpath.normpath(rule.lstrip("!").strip().lstrip("/"))
                    rules.append((negate, rule))
    except OSError:
        pass

    def matches(pattern, path):
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        parts = path.split("/")
        return any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1))

    def check(path):
        out = False
        for negate, rule in rules:
            if matches(rule, path):
                out = not negate
        return out

    return check


def landing(root, copy, path):
    """Where the context file `path` lands in the image through `copy`, or None."""
    dest, dir_dest = copy.dest
    for source in copy.sources:
        source = posixpath.normpath(source.lstrip("/"))
        is_glob = bool(re.search(r"[*?\[]", source))
        parts = path.split("/")
        for n in range(len(parts), 0, -1):
            prefix = "/".join(parts[:n])
            if not (fnmatch.fnmatchcase(prefix, source) if is_glob else (source == "." or prefix == source)):
                continue
            if source == ".":
                return posixpath.join(dest, path)
            if copy.parents:
                return posixpath.join(dest, path)
            if n == len(parts) and not os.path.isdir(os.path.join(root, prefix)):
                # A file copied by name: into the directory, or as the destination itself.
                return posixpath.join(dest, parts[-1]) if dir_dest else dest
            # A directory: its contents (not the directory itself) go into dest.
            return posixpath.join(dest, *parts[n:])
    return None


def check(root, dockerfile):
    """The problems as printable lines; empty when every embedded file is copied into place."""
    with open(dockerfile, encoding="utf-8") as f:
        all_stages = stages(f.read())
    name = os.path.relpath(dockerfile, root)
    name = dockerfile if name.startswith("..") else name
    if "builder" not in all_stages:
        return [f"{name}: no stage named builder"]
    copies = all_stages["builder"][1]
    is_ignored = ignored(root)

    def lands(path):
        if is_ignored(path):
            return None
        spots = [landing(root, c, path) for c in copies]
        return next((s for s in reversed(spots) if s), None)

    crate = lands("Cargo.toml")
    if crate is None:
        return [f"{name}: the builder stage does not copy Cargo.toml, so the crate's root is unknown"]
    crate = posixpath.dirname(crate)
    problems = []
    for item in embedded_files(root):
        if item.path is None:
            problems.append(f"{item.where()}")
            continue
        if item.path.startswith("../"):
            problems.append(f"{item.where()}\n    {item.path} is outside the crate, so outside the build context")
            continue
        if not os.path.exists(os.path.join(root, item.path)):
            problems.append(f"{item.where()}\n    {item.path} does not exist")
            continue
        targets = [item.path]
        if os.path.isdir(os.path.join(root, item.path)):
            targets = sorted(
                os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                for d, _, files in os.walk(os.path.join(root, item.path)) for f in files
            )
        for target in targets:
            spot = lands(target)
            if spot != posixpath.join(crate, target):
                how = f"lands at {spot}, rustc looks at {posixpath.join(crate, target)}" if spot else \
                    "is not copied by the builder stage"
                problems.append(f"{item.where()}\n    {target} {how} ({name})")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT, help="the crate (default: this repository)")
    parser.add_argument("--dockerfile", help="default: ROOT/Dockerfile")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    dockerfile = args.dockerfile or os.path.join(root, "Dockerfile")
    problems = check(root, dockerfile)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} embedded file(s) the Dockerfile's builder stage does not copy into place")
        return 1
    count = len([e for e in embedded_files(root) if e.path])
    shown = os.path.relpath(dockerfile, root)
    shown = dockerfile if shown.startswith("..") else shown
    print(f"embedded files: {count}, each copied into place by the builder stage of {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
