//! The raw socket under a connection, for the two things the edge does to
//! it that actix cannot: make its close an RST (`CONNECTION_RESET`), and stop
//! reading a refused request's body. `HttpServer::on_connect` stores it per
//! connection; this module only borrows it, it never closes it.

use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

/// The raw socket of a connection, stored by `HttpServer::on_connect`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionFd(pub RawFd);

impl ConnectionFd {
    /// Makes the coming close of this connection an RST.
    pub fn set_zero_linger(self) {
        if let Err(e) = self.socket(|s| s.set_linger(Some(Duration::ZERO))) {
            log::warn!("could not set SO_LINGER for CONNECTION_RESET: {e}");
        }
    }

    /// Shuts the read side, so a refused request's declared body is not
    /// read: actix would otherwise drain it (for up to a second, gigabytes
    /// on a fast link) before closing. Reads then see the end of the stream;
    /// actix still writes the answer, then closes.
    pub fn stop_reading(self) {
        if let Err(e) = self.socket(|s| s.shutdown(std::net::Shutdown::Read)) {
            log::debug!("could not stop reading a refused request's body: {e}");
        }
    }

    fn socket(
        self,
        call: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        // SAFETY: the descriptor belongs to the connection serving the
        // request at hand, which stays open at least until its response is
        // written; it is only borrowed for one call.
        let borrowed = unsafe { BorrowedFd::borrow_raw(self.0) };
        call(socket2::SockRef::from(&borrowed))
    }
}
