//! `--record DIR`: every successful (200) upstream answer to a connector
//! operation is merged into one recording (`merge`) and written as one data
//! file of the run, `DIR/recorded-<start time>.json`, which `--scenarios DIR`
//! replays. It owns the recording thread, the bounded hand-over to it, the
//! atomic writes (a temp file in DIR, then a rename) and the counters
//! `/__admin/proxy` shows.
//!
//! The client's answer never waits for it: the worker only hands the body
//! (a shared `Bytes`) over a bounded channel, and an answer that finds the
//! channel full, or more than `MAX_IN_FLIGHT` bytes waiting, is dropped and
//! counted. Headers never cross: only the operation, the query (for
//! recordType, recordId, top and skip), the language and the body.

mod body;
mod merge;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::Serialize;

use crate::contract::Operation;
use crate::request::lang::Language;

use merge::{Answer, Merged, Recording};

/// Answers waiting for the recording thread, at most.
const QUEUE: usize = 256;
/// Body bytes waiting for the recording thread, at most (16 MiB).
const MAX_IN_FLIGHT: usize = 16 * 1024 * 1024;

/// The recording of this run.
#[derive(Debug)]
pub struct Recorder {
    /// `None` once dropped: the thread then writes what is queued and ends.
    sender: Option<mpsc::SyncSender<Message>>,
    thread: Option<std::thread::JoinHandle<()>>,
    file: PathBuf,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    answers: AtomicU64,
    records: AtomicU64,
    skipped: AtomicU64,
    dropped: AtomicU64,
    write_errors: AtomicU64,
    full: AtomicBool,
    in_flight: AtomicUsize,
}

/// What `/__admin/proxy` shows of the recording.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub on: bool,
    /// The data file (created at start-up as `{}`).
    pub file: Option<String>,
    /// Records and answers in the file as last written.
    pub records: u64,
    pub answers: u64,
    /// Successful answers not recordable (a time window, a language this
    /// server does not serve, a body a data file cannot hold).
    pub skipped: u64,
    /// Answers dropped because the recording thread was behind.
    pub dropped: u64,
    pub write_errors: u64,
    /// `MAX_BYTES` or `MAX_RECORDS` was reached: nothing more is recorded.
    pub bound_reached: bool,
}

impl Status {
    /// A server that does not record.
    pub fn off() -> Status {
        Status {
            on: false,
            file: None,
            records: 0,
            answers: 0,
            skipped: 0,
            dropped: 0,
            write_errors: 0,
            bound_reached: false,
        }
    }
}

impl Recorder {
    /// Creates `dir` if needed, names this run's file and starts the
    /// recording thread.
    pub fn start(dir: &Path) -> Result<Recorder, String> {
        std::fs::create_dir_all(dir).map_err(|e| {
            format!(
                "--record {}: cannot create the directory: {e}",
                dir.display()
            )
        })?;
        let file = reserve(dir, time::OffsetDateTime::now_utc()).map_err(|e| {
            format!(
                "--record {}: cannot create the recording: {e}",
                dir.display()
            )
        })?;
        let shared = Arc::new(Shared::default());
        let (sender, receiver) = mpsc::sync_channel(QUEUE);
        let (thread_file, thread_shared) = (file.clone(), Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name("crm-mock-record".into())
            .spawn(move || run(&receiver, &thread_file, &thread_shared))
            .map_err(|e| format!("--record: cannot start the recording thread: {e}"))?;
        log::info!("recording upstream answers into {}", file.display());
        Ok(Recorder {
            sender: Some(sender),
            thread: Some(thread),
            file,
            shared,
        })
    }

    /// Hands one upstream answer over, if it is a 200 and there is room;
    /// never blocks. The language is the answer's `Content-Language`, else
    /// the one negotiated for the request.
    pub fn offer(
        &self,
        operation: Operation,
        query: &str,
        (status, headers, body): (u16, &[(String, Vec<u8>)], &bytes::Bytes),
        negotiated: Language,
    ) {
        if status != 200 || self.shared.full.load(Ordering::Relaxed) {
            return;
        }
        let content_language = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-language"))
            .map(|(_, v)| String::from_utf8_lossy(v));
        let language = match content_language {
            None => negotiated,
            Some(tag) => match served(&tag) {
                Some(language) => language,
                None => {
                    self.shared.skipped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            },
        };
        let size = body.len();
        if self.shared.in_flight.fetch_add(size, Ordering::Relaxed) + size > MAX_IN_FLIGHT {
            self.shared.in_flight.fetch_sub(size, Ordering::Relaxed);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let answer = Answer {
            operation,
            query: query.to_owned(),
            language,
            body: body.clone(),
        };
        let sent = self
            .sender
            .as_ref()
            .map(|s| s.try_send(Message::Answer(answer)));
        if !matches!(sent, Some(Ok(()))) {
            self.shared.in_flight.fetch_sub(size, Ordering::Relaxed);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits (at most 10 s) until every answer handed over so far is merged
    /// and written: the server calls it once it has stopped, since the
    /// worker that drops the last state may outlive `main`.
    pub fn finish(&self) {
        let Some(sender) = &self.sender else { return };
        let (reply, done) = mpsc::sync_channel(1);
        if sender.send(Message::Flush(reply)).is_ok() {
            let _ = done.recv_timeout(std::time::Duration::from_secs(10));
        }
    }

    pub fn status(&self) -> Status {
        let count = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let shared = &self.shared;
        Status {
            on: true,
            file: Some(self.file.display().to_string()),
            records: count(&shared.records),
            answers: count(&shared.answers),
            skipped: count(&shared.skipped),
            dropped: count(&shared.dropped),
            write_errors: count(&shared.write_errors),
            bound_reached: shared.full.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Recorder {
    /// On shutdown, the answers still queued are merged and written before
    /// the server is gone.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The language of a `Content-Language` tag, if this server serves it (its
/// first tag's primary subtag: `de-DE` is German).
fn served(tag: &str) -> Option<Language> {
    let first = tag.split(',').next().unwrap_or("").trim();
    let primary = first.split('-').next().unwrap_or("");
    Language::ALL
        .into_iter()
        .find(|l| l.tag().eq_ignore_ascii_case(primary))
}

/// What the recording thread is handed: an answer, or a request to say
/// when everything before it is written.
enum Message {
    Answer(Answer),
    Flush(mpsc::SyncSender<()>),
}

/// Creates this run's file, `DIR/recorded-20261202T035500Z.json` (`-2`,
/// `-3`... when a run of the same second has one), as an empty data file
/// that only its owner can read (it holds customer data). Created with
/// `create_new`, so two runs can never pick the same name.
fn reserve(dir: &Path, start: time::OffsetDateTime) -> std::io::Result<PathBuf> {
    let stamp = start
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| start.unix_timestamp().to_string());
    for n in 1..1000 {
        let path = match n {
            1 => dir.join(format!("recorded-{stamp}.json")),
            n => dir.join(format!("recorded-{stamp}-{n}.json")),
        };
        match private_file(&path, true) {
            Ok(mut file) => {
                file.write_all(b"{}\n")?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free file name for this second"))
}

/// Opens `path` for writing with mode 0600 (a new file when `new`).
fn private_file(path: &Path, new: bool) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    match new {
        true => options.create_new(true),
        false => options.create(true).truncate(true),
    };
    options.open(path)
}

/// The recording thread: merges what arrives, and writes the file once per
/// batch that changed it. Ends when the recorder is dropped.
fn run(receiver: &mpsc::Receiver<Message>, file: &Path, shared: &Shared) {
    let mut recording = Recording::default();
    let mut answers = 0;
    while let Ok(first) = receiver.recv() {
        let mut changed = false;
        let mut flushed = Vec::new();
        for message in std::iter::once(first).chain(receiver.try_iter()) {
            let answer = match message {
                Message::Answer(answer) => answer,
                Message::Flush(reply) => {
                    flushed.push(reply);
                    continue;
                }
            };
            shared
                .in_flight
                .fetch_sub(answer.body.len(), Ordering::Relaxed);
            if shared.full.load(Ordering::Relaxed) {
                continue;
            }
            match recording.merge(&answer) {
                Merged::Changed => {
                    changed = true;
                    answers += 1;
                }
                Merged::Skipped(reason) => {
                    log::debug!("recording: an answer is not recorded: {reason}");
                    shared.skipped.fetch_add(1, Ordering::Relaxed);
                }
                Merged::Full(reason) => {
                    shared.full.store(true, Ordering::Relaxed);
                    log::warn!(
                        "recording stopped: {reason} (the bound); {} keeps what was recorded",
                        file.display()
                    );
                }
            }
        }
        if changed {
            write_recording(&recording, answers, file, shared);
        }
        for reply in flushed {
            let _ = reply.send(());
        }
    }
}

/// Renders and writes the recording, within the 16 MiB a data file may hold.
fn write_recording(recording: &Recording, answers: u64, file: &Path, shared: &Shared) {
    {
        let text = recording.render();
        if text.len() as u64 > crate::definitions::files::MAX_FILE_BYTES {
            shared.full.store(true, Ordering::Relaxed);
            log::warn!(
                "recording stopped: the file would be over the 16 MiB a data file may hold (the bound); {} keeps what was recorded",
                file.display()
            );
            return;
        }
        match write(file, &text) {
            Ok(()) => {
                shared.answers.store(answers, Ordering::Relaxed);
                shared
                    .records
                    .store(recording.records() as u64, Ordering::Relaxed);
            }
            Err(e) => {
                if shared.write_errors.fetch_add(1, Ordering::Relaxed) == 0 {
                    log::warn!("recording: cannot write {}: {e}", file.display());
                }
            }
        }
    }
}

/// Writes `text` to a temp file beside `file`, then renames it over `file`:
/// a reader sees the old file or the new one, never half of one. The temp
/// file's name does not end in `.json`, so `--scenarios` never loads it.
fn write(file: &Path, text: &[u8]) -> std::io::Result<()> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let temp = file.with_file_name(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let mut out = private_file(&temp, false)?;
    out.write_all(text)?;
    out.sync_all()?;
    drop(out);
    std::fs::rename(&temp, file)
}

#[cfg(test)]
mod tests;
