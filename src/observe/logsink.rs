//! Where log lines go: stderr, through per-thread in-memory buffers that a
//! background thread writes out every 20 ms (and at once on `flush`).
//!
//! Rationale: the access log writes one line per request. Written directly,
//! each line is a `write(2)` on the request path; the benchmark showed that
//! alone cost about a fifth of the throughput. Going through env_logger for
//! every line cost another tenth (its formatter, two process-wide locks that
//! both workers fight over). So env_logger keeps every other line, and the
//! access line takes a short path: `access` appends it, in env_logger's
//! layout, to the calling thread's own buffer (a lock no other request
//! thread touches). Lines reach stderr at most 20 ms late; `main` flushes
//! after the start-up line and at exit. Lines of two workers may interleave
//! out of timestamp order within one 20 ms batch.
//!
//! Only the writer thread writes to stderr, so a stderr that cannot take
//! more (a full pipe its reader never drains, #13 item 21) blocks that thread
//! alone, never a request. Meanwhile each buffer grows to at most 1 MiB
//! (`HIGH_WATER`); lines past that are dropped and counted
//! (`dropped()`, the `crm_mock_log_lines_dropped_total` metric), as are the
//! lines of a write that fails. When writing resumes, one warning says how
//! many were dropped. `flush` waits for the writer at most `FLUSH_WAIT`, so
//! neither start-up nor exit hangs on a stuck stderr.

use std::cell::{Cell, OnceCell};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::shard::lock;
use std::time::{Duration, Instant, SystemTime};

/// The log target of the access line (`RUST_LOG=crm_connector_mock::access=off`
/// silences it alone).
pub const ACCESS_TARGET: &str = "crm_connector_mock::access";

const INTERVAL: Duration = Duration::from_millis(20);
/// A thread's buffer takes no line once it holds this many bytes.
pub const HIGH_WATER: usize = 1024 * 1024;
/// How long `flush` waits for the writer thread.
const FLUSH_WAIT: Duration = Duration::from_secs(1);

type Buffer = Arc<Mutex<Vec<u8>>>;

/// Every thread's buffer, for the writer thread and `flush`.
static BUFFERS: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());
/// Whether `init` installed the sink and `RUST_LOG` lets access lines through.
static ACCESS_FAST: AtomicBool = AtomicBool::new(false);
/// Lines dropped since start, and how many of them a warning has reported.
static DROPPED: AtomicU64 = AtomicU64::new(0);
static REPORTED: AtomicU64 = AtomicU64::new(0);
/// Whether the writer thread runs (else `flush` writes itself).
static WRITER: AtomicBool = AtomicBool::new(false);
/// Set when a flush timed out, cleared when the writer finishes a pass: a
/// later flush does not wait again for a writer that is stuck.
static STUCK: AtomicBool = AtomicBool::new(false);
/// Flushes asked for and done (by their number), and the writer's wake-ups.
static FLUSHES: Mutex<(u64, u64)> = Mutex::new((0, 0));
static FLUSH_ASKED: Condvar = Condvar::new();
static FLUSH_DONE: Condvar = Condvar::new();

/// Log lines dropped since start because stderr could not take them.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

thread_local! {
    static OWN: OnceCell<Buffer> = const { OnceCell::new() };
    /// The second last formatted and its `[2026-11-25T17:55:00Z INFO  target] `.
    static PREFIX: Cell<(u64, Prefix)> = const { Cell::new((u64::MAX, Prefix { len: 0, bytes: [0; PREFIX_MAX] })) };
}

const PREFIX_MAX: usize = 64;

#[derive(Clone, Copy)]
struct Prefix {
    len: usize,
    bytes: [u8; PREFIX_MAX],
}

/// Appends one line to this thread's buffer (registered on first use) with
/// `f`, or drops and counts it when the buffer is full.
fn with_own(f: impl FnOnce(&mut Vec<u8>)) {
    OWN.with(|own| {
        let buffer = own.get_or_init(|| {
            let buffer = Buffer::default();
            lock(&BUFFERS).push(buffer.clone());
            buffer
        });
        let mut guard = lock(buffer);
        if guard.len() >= HIGH_WATER {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        } else {
            f(&mut guard);
        }
    })
}

/// The `Write` end env_logger formats into.
struct Buffered;

impl Write for Buffered {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        with_own(|buffer| buffer.extend_from_slice(data));
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Flushing every record would defeat the buffer; see `flush()`.
        Ok(())
    }
}

fn write_out(buffer: &mut Vec<u8>) {
    if buffer.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    // A failing stderr cannot report itself: its lines are counted as dropped.
    if stderr
        .write_all(buffer)
        .and_then(|()| stderr.flush())
        .is_err()
    {
        let lines = buffer.iter().filter(|b| **b == b'\n').count();
        DROPPED.fetch_add(lines as u64, Ordering::Relaxed);
    }
    buffer.clear();
}

/// Installs env_logger (`RUST_LOG`, default `info`) writing through the buffers.
pub fn init() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(env_logger::Target::Pipe(Box::new(Buffered)))
        .init();
    let access = log::Metadata::builder()
        .target(ACCESS_TARGET)
        .level(log::Level::Info)
        .build();
    ACCESS_FAST.store(log::logger().enabled(&access), Ordering::Relaxed);
    let spawned = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(writer);
    match spawned {
        Ok(_) => WRITER.store(true, Ordering::Relaxed),
        Err(e) => eprintln!(
            "crm-connector-mock: cannot start the log writer ({e}); log lines are written when flushed"
        ),
    }
}

/// The writer thread: every `INTERVAL`, or at once when `flush` asks,
/// writes every buffer out; first, once lines were dropped and writing
/// goes on, one warning with their number.
fn writer() {
    let mut spare = Vec::new();
    let mut flushes = lock(&FLUSHES);
    loop {
        if flushes.1 == flushes.0 {
            flushes = FLUSH_ASKED
                .wait_timeout(flushes, INTERVAL)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let asked = flushes.0;
        drop(flushes);
        let dropped = DROPPED.load(Ordering::Relaxed);
        let reported = REPORTED.swap(dropped, Ordering::Relaxed);
        if dropped > reported {
            log::warn!(
                "{} log lines dropped: stderr could not take them (buffers full, {HIGH_WATER} bytes per thread)",
                dropped - reported
            );
        }
        drain(&mut spare);
        STUCK.store(false, Ordering::Relaxed);
        flushes = lock(&FLUSHES);
        flushes.1 = asked;
        FLUSH_DONE.notify_all();
    }
}

/// Swaps each thread's buffer for `spare` and writes it out outside the lock.
fn drain(spare: &mut Vec<u8>) {
    let buffers = lock(&BUFFERS).clone();
    for buffer in &buffers {
        std::mem::swap(&mut *lock(buffer), spare);
        write_out(spare);
    }
}

/// Writes everything buffered so far: through the writer thread, waiting
/// for it at most `FLUSH_WAIT` (a stuck stderr must not hang exit).
pub fn flush() {
    if !WRITER.load(Ordering::Relaxed) {
        return drain(&mut Vec::new());
    }
    if STUCK.load(Ordering::Relaxed) {
        return;
    }
    let deadline = Instant::now() + FLUSH_WAIT;
    let mut flushes = lock(&FLUSHES);
    flushes.0 += 1;
    let asked = flushes.0;
    FLUSH_ASKED.notify_all();
    while flushes.1 < asked {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            STUCK.store(true, Ordering::Relaxed);
            return;
        }
        flushes = FLUSH_DONE
            .wait_timeout(flushes, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// One access line, written at `at` (an instant the caller has just read):
/// `line` appends the message (no newline). Through the sink when `init`
/// ran, else through whatever logger is installed (tests).
pub fn access(at: Instant, line: impl FnOnce(&mut Vec<u8>)) {
    if ACCESS_FAST.load(Ordering::Relaxed) {
        with_own(|buffer| {
            let prefix = prefix(at);
            buffer.extend_from_slice(&prefix.bytes[..prefix.len]);
            line(buffer);
            buffer.push(b'\n');
        });
    } else if log::log_enabled!(target: ACCESS_TARGET, log::Level::Info) {
        let mut message = Vec::new();
        line(&mut message);
        log::info!(target: ACCESS_TARGET, "{}", String::from_utf8_lossy(&message));
    }
}

/// env_logger's default header for an info line of the access target,
/// formatted once per second per thread.
fn prefix(at: Instant) -> Prefix {
    let now = crate::observe::wall::at(at);
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PREFIX.with(|cached| {
        let (at, prefix) = cached.get();
        if at == second {
            return prefix;
        }
        let stamp = time::OffsetDateTime::from(now)
            .format(STAMP)
            .unwrap_or_default();
        let text = format!("[{stamp} INFO  {ACCESS_TARGET}] ");
        let len = text.len().min(PREFIX_MAX);
        let mut fresh = Prefix {
            len,
            bytes: [0; PREFIX_MAX],
        };
        fresh.bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        cached.set((second, fresh));
        fresh
    })
}

const STAMP: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
