//! Where log lines go: stderr, through an in-memory buffer that a background
//! thread writes out every 20 ms (and at once on `flush`).
//!
//! Rationale: the access log writes one line per request. Written directly,
//! each line is a `write(2)` on the request path; the benchmark showed that
//! alone cost about a fifth of the throughput. Buffered, a burst of lines is
//! one write. Lines reach stderr at most 20 ms late; `main` flushes after the
//! start-up line and at exit, and a buffer over 1 MiB is written at once, so
//! memory stays bounded even when stderr is slow.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

const INTERVAL: Duration = Duration::from_millis(20);
const HIGH_WATER: usize = 1024 * 1024;

static SHARED: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// The `Write` end env_logger formats into.
struct Buffered(Arc<Mutex<Vec<u8>>>);

impl Write for Buffered {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.extend_from_slice(data);
        if buffer.len() >= HIGH_WATER {
            write_out(&mut buffer);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Flushing every record would defeat the buffer; see `flush()`.
        Ok(())
    }
}

fn write_out(buffer: &mut Vec<u8>) {
    let mut stderr = std::io::stderr().lock();
    // Nowhere to report a failing stderr; the lines are dropped.
    let _ = stderr.write_all(buffer);
    let _ = stderr.flush();
    buffer.clear();
}

/// Installs env_logger (`RUST_LOG`, default `info`) writing through the buffer.
pub fn init() {
    let shared = SHARED.get_or_init(|| Arc::new(Mutex::new(Vec::with_capacity(64 * 1024))));
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .target(env_logger::Target::Pipe(Box::new(Buffered(shared.clone()))))
        .init();
    let shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || {
            loop {
                std::thread::sleep(INTERVAL);
                let pending =
                    std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner));
                if !pending.is_empty() {
                    write_out(&mut { pending });
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!(
            "crm-connector-mock: cannot start the log writer ({e}); log lines are written when flushed"
        );
    }
}

/// Writes everything buffered so far.
pub fn flush() {
    if let Some(shared) = SHARED.get() {
        write_out(&mut shared.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
