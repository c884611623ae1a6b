"""Unit tests of .ci/embedded.py on small fixture crates and Dockerfiles (issue #18).

    python3 -B -m unittest discover -s .ci -p test_embedded.py
"""
import contextlib
import importlib.util
import io
import os
import sys
import tempfile
import textwrap
import unittest

sys.dont_write_bytecode = True  # leave no __pycache__ in .ci/ (CI checks the tree is clean)
_spec = importlib.util.spec_from_file_location("embedded", os.path.join(os.path.dirname(__file__), "embedded.py"))
embedded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(embedded)

LIB = 'pub const CATALOGUE: &str = include_str!("../scenarios/catalogue.json");\n'
BUILDER_HEAD = """\
FROM rust:1-bookworm AS builder
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
"""
FINAL = """\
FROM scratch
COPY --from=builder /out/crm-connector-mock /crm-connector-mock
"""


class Fixture(unittest.TestCase):
    """A crate in a temporary directory: Cargo.toml, src/lib.rs, scenarios/catalogue.json."""

    def setUp(self):
        self._dir = tempfile.TemporaryDirectory()
        self.root = self._dir.name
        self.write("Cargo.toml", '[package]\nname = "fixture"\nversion = "0.1.0"\n')
        self.write("Cargo.lock", "")
        self.write("src/lib.rs", LIB)
        self.write("scenarios/catalogue.json", "{}")

    def tearDown(self):
        self._dir.cleanup()

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))

    def problems(self, dockerfile):
        self.write("Dockerfile", dockerfile)
        return embedded.check(self.root, os.path.join(self.root, "Dockerfile"))


class TheRealShape(Fixture):
    def test_a_builder_that_copies_src_and_scenarios_covers_every_embedded_file(self):
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\n" + FINAL), [])

    def test_a_builder_without_copy_scenarios_is_reported_with_the_line_that_embeds(self):
        got = self.problems(BUILDER_HEAD + "COPY src ./src\n" + FINAL)
        self.assertEqual(len(got), 1)
        self.assertIn('src/lib.rs:1: pub const CATALOGUE: &str = include_str!("../scenarios/catalogue.json");', got[0])
        self.assertIn("scenarios/catalogue.json is not copied by the builder stage", got[0])

    def test_the_script_exits_1_and_prints_the_uncovered_file(self):
        self.write("Dockerfile", BUILDER_HEAD + "COPY src ./src\n" + FINAL)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = embedded.main(["--root", self.root])
        self.assertEqual(code, 1)
        self.assertIn("scenarios/catalogue.json", out.getvalue())

    def test_the_script_exits_0_when_everything_is_copied(self):
        self.write("Dockerfile", BUILDER_HEAD + "COPY . .\n" + FINAL)
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(embedded.main(["--root", self.root]), 0)

    def test_a_copy_in_another_stage_does_not_count(self):
        got = self.problems(BUILDER_HEAD + "COPY src ./src\n" + FINAL + "COPY scenarios /scenarios\n")
        self.assertEqual(len(got), 1)

    def test_a_copy_in_the_stage_builder_is_built_from_counts(self):
        dockerfile = "FROM rust AS base\nWORKDIR /build\nCOPY scenarios ./scenarios\n" \
            "FROM base AS builder\nCOPY Cargo.toml ./\nCOPY src ./src\n" + FINAL
        self.assertEqual(self.problems(dockerfile), [])

    def test_no_stage_named_builder_is_a_problem(self):
        self.assertIn("no stage named builder", self.problems("FROM rust\nCOPY . .\n")[0])


class WhereTheCopyLands(Fixture):
    def test_a_folder_copied_under_another_name_is_reported_where_it_lands(self):
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./assets\n")
        self.assertEqual(len(got), 1)
        self.assertIn("lands at /build/assets/catalogue.json, rustc looks at /build/scenarios/catalogue.json", got[0])

    def test_a_glob_copies_a_folders_contents_not_the_folder(self):
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scen* ./\n")
        self.assertIn("lands at /build/catalogue.json", got[0])

    def test_a_single_file_copied_by_name_is_covered(self):
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios/catalogue.json ./scenarios/\n"), [])

    def test_arg_defaults_the_json_form_and_continuations_are_read(self):
        dockerfile = BUILDER_HEAD + 'ARG DATA=scenarios\nCOPY ["src", "./src"]\nCOPY --chown=1:1 \\\n  ${DATA} \\\n  ./scenarios\n'
        self.assertEqual(self.problems(dockerfile), [])

    def test_copy_from_another_stage_is_not_the_build_context(self):
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY --from=assets /scenarios ./scenarios\n")
        self.assertEqual(len(got), 1)

    def test_dockerignore_keeps_a_file_out_of_copy_dot(self):
        self.write(".dockerignore", "scenarios\n")
        self.assertEqual(len(self.problems(BUILDER_HEAD + "COPY . .\n")), 1)

    def test_a_dockerignore_exception_lets_the_file_back_in(self):
        self.write(".dockerignore", "scenarios/*\n!scenarios/catalogue.json\n")
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY . .\n"), [])


class WhatCountsAsEmbedded(Fixture):
    def test_macros_in_comments_and_strings_are_not_embeds(self):
        self.write("src/lib.rs", '// include_str!("../missing.txt")\n/* include_bytes!("../gone.bin") */\n'
                                 'const S: &str = "include_str!(\\"../nope\\")";\n')
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY src ./src\n"), [])

    def test_paths_resolve_relative_to_the_file_and_to_cargo_manifest_dir(self):
        self.write("src/ui/mod.rs", 'const JS: &[u8] = include_bytes!(\n    "../../ui/app.js"\n);\n'
                                    'const CSS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/app.css"));\n')
        self.write("ui/app.js", "")
        self.write("ui/app.css", "")
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\n")
        self.assertEqual(len(got), 2, got)
        self.assertIn("src/ui/mod.rs:1:", got[0])
        self.assertIn("ui/app.js is not copied", got[0])
        self.assertIn("src/ui/mod.rs:4:", got[1])
        self.assertIn("ui/app.css is not copied", got[1])

    def test_a_path_the_check_cannot_resolve_is_reported(self):
        self.write("src/lib.rs", "const S: &str = include_str!(path_of!());\n")
        got = self.problems(BUILDER_HEAD + "COPY src ./src\n")
        self.assertIn("cannot resolve", got[0])

    def test_a_macro_that_embeds_its_argument_embeds_what_each_invocation_names(self):
        self.write("src/http/ui.rs", """\
            macro_rules! asset {
                ($name:ident, $file:literal, $type:literal) => {
                    const $name: &str = include_str!($file); // the type: $type
                };
            }
            // asset!(NOT_ME, "ui/commented.css", "text/css");
            asset!(PAGE, "ui/index.html", "text/html; charset=utf-8");
            asset!(
                SCRIPT,
                "../../assets/app.js",
                "text/javascript",
            );
            """)
        self.write("src/http/ui/index.html", "")
        self.write("assets/app.js", "")
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\n")
        self.assertEqual(len(got), 1, got)
        self.assertIn("src/http/ui.rs:8: asset!(", got[0])
        self.assertIn("assets/app.js is not copied", got[0])
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\nCOPY assets ./assets\n"), [])
        paths = sorted(e.path for e in embedded.embedded_files(self.root) if e.source == "src/http/ui.rs")
        self.assertEqual(paths, ["assets/app.js", "src/http/ui/index.html"])

    def test_a_macro_invoked_with_something_other_than_a_literal_is_reported(self):
        self.write("src/lib.rs", """\
            macro_rules! embed { ($file:expr) => { include_bytes!($file) }; }
            const PATH: &str = "x";
            static B: &[u8] = embed!(PATH);
            """)
        got = self.problems(BUILDER_HEAD + "COPY src ./src\n")
        self.assertEqual(len(got), 1, got)
        self.assertIn("src/lib.rs:3: static B: &[u8] = embed!(PATH); (not a string literal)", got[0])

    def test_a_metavariable_outside_any_macro_rules_cannot_be_followed(self):
        self.write("src/lib.rs", "const S: &str = include_str!($file);\n")
        self.assertIn("a macro this check cannot follow", self.problems(BUILDER_HEAD + "COPY src ./src\n")[0])

    def test_an_out_dir_file_is_the_build_scripts_business(self):
        self.write("src/lib.rs", 'include!(concat!(env!("OUT_DIR"), "/generated.rs"));\n')
        self.assertEqual(self.problems(BUILDER_HEAD + "COPY src ./src\n"), [])

    def test_an_embedded_file_that_does_not_exist_is_reported(self):
        self.write("src/lib.rs", 'const S: &str = include_str!("../ui/missing.js");\n')
        self.assertIn("does not exist", self.problems(BUILDER_HEAD + "COPY src ./src\n")[0])

    def test_the_build_script_and_its_rerun_if_changed_inputs_must_be_copied(self):
        self.write("build.rs", 'fn main() {\n    println!("cargo:rerun-if-changed=ui/index.html");\n}\n')
        self.write("ui/index.html", "")
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\n")
        self.assertEqual(len(got), 2, got)
        self.assertIn("build.rs is not copied", got[0])
        self.assertIn("build.rs:2:", got[1])
        self.assertIn("ui/index.html is not copied", got[1])
        dockerfile = BUILDER_HEAD + "COPY build.rs ./\nCOPY src ./src\nCOPY scenarios ./scenarios\nCOPY ui ./ui\n"
        self.assertEqual(self.problems(dockerfile), [])

    def test_a_build_script_named_in_cargo_toml_is_the_one_read(self):
        self.write("Cargo.toml", '[package]\nname = "fixture"\nbuild = "tools/build.rs"\n')
        self.write("tools/build.rs", 'fn main() { println!("cargo::rerun-if-changed=ui"); }\n')
        self.write("ui/a.txt", "")
        got = self.problems(BUILDER_HEAD + "COPY src ./src\nCOPY scenarios ./scenarios\nCOPY tools ./tools\n")
        self.assertEqual(len(got), 1, got)
        self.assertIn("ui/a.txt is not copied", got[0])


if __name__ == "__main__":
    unittest.main()
