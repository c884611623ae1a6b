//! Reading scenario and data files: the embedded defaults and a user's
//! `--scenarios DIR`, each bounded in size and parsed against the schema
//! (`schema/`). Every problem carries the file, line and column, so
//! `validate`, start-up and `/__admin/reload` report it the same way.
//!
//! It reads and locates; what a file may contain is the schema's, and what
//! is built from it the catalogue's (`scenario.rs`) and the dataset's
//! (`data.rs`).

use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;

/// Where callers (and the library's users) have always found it.
pub use crate::definitions::schema::DefinitionFile;

/// The embedded default files, compiled into the binary.
pub const EMBEDDED: [(&str, &str); 2] = [
    (
        "scenarios/catalogue.json",
        include_str!("../../scenarios/catalogue.json"),
    ),
    (
        "scenarios/records.json",
        include_str!("../../scenarios/records.json"),
    ),
];

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A parsed file with its name and text, kept for locating later problems.
pub struct Source<T> {
    pub file: String,
    pub text: String,
    pub content: T,
}

impl<T> Source<T> {
    /// A problem at the `nth` (0-based) occurrence of `needle`, or at 1:1.
    pub fn problem_at(&self, needle: &str, nth: usize, message: String) -> Problem {
        let offset = self
            .text
            .match_indices(needle)
            .nth(nth)
            .map_or(0, |(i, _)| i);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Problem {
            file: self.file.clone(),
            line,
            column,
            message,
        }
    }
}

/// Parses JSON text; a syntax or schema error becomes a located `Problem`.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<Source<T>, Problem> {
    match serde_json::from_str(text) {
        Ok(content) => Ok(Source {
            file: file.to_owned(),
            text: text.to_owned(),
            content,
        }),
        Err(e) => Err(Problem {
            file: file.to_owned(),
            line: e.line().max(1),
            column: e.column().max(1),
            message: strip_position(&e.to_string()),
        }),
    }
}

/// serde_json appends " at line L column C"; we print the position in front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The embedded files, then the `*.json` files of `dir` in name order.
pub fn read_all(dir: Option<&Path>) -> (Vec<Source<DefinitionFile>>, Vec<Problem>) {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for (file, text) in EMBEDDED {
        match parse(file, text) {
            Ok(source) => sources.push(source),
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(dir) = dir {
        let (user, user_problems) = read_dir(dir);
        sources.extend(user);
        problems.extend(user_problems);
    }
    (sources, problems)
}

/// The largest definitions file read: a bigger one is a problem, not a
/// parse that holds a thread and its memory for seconds.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A file's text, if at most `MAX_FILE_BYTES` (checked before reading, and
/// again while reading, in case it grows meanwhile).
fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let too_big = |size: u64| {
        format!(
            "the file is {size} bytes; a definitions file may be at most 16 MiB ({MAX_FILE_BYTES} bytes)"
        )
    };
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    let size = file.metadata().map_or(0, |m| m.len());
    if size > MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read file: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes)
        .map_err(|_| "cannot read file: stream did not contain valid UTF-8".to_owned())
}

/// The `*.json` files of one directory, in name order.
pub fn read_dir(dir: &Path) -> (Vec<Source<DefinitionFile>>, Vec<Problem>) {
    let whole_dir = |message: String| Problem {
        file: dir.display().to_string(),
        line: 1,
        column: 1,
        message,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            return (
                Vec::new(),
                vec![whole_dir(format!("cannot read directory: {e}"))],
            );
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        match read_bounded(&path) {
            Ok(text) => match parse(&file, &text) {
                Ok(source) => sources.push(source),
                Err(problem) => problems.push(problem),
            },
            Err(message) => problems.push(Problem {
                file,
                line: 1,
                column: 1,
                message,
            }),
        }
    }
    if sources.is_empty() && problems.is_empty() {
        problems.push(whole_dir("contains no .json files".to_owned()));
    }
    (sources, problems)
}
