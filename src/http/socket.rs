//! The raw socket under a connection (under TLS too), for the things the
//! edge does to it that actix cannot: make its close an RST, or reset or
//! end it at once (`CONNECTION_RESET`, `EMPTY_RESPONSE`), and stop reading a
//! refused request's body. `HttpServer::on_connect` stores it per
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

    /// Resets the connection now (an RST), leaving the descriptor open for
    /// actix to close: `connect` with `AF_UNSPEC` disconnects a TCP socket,
    /// abortively when it is established (Linux `tcp_disconnect`). For h2,
    /// where the response head would go out before the body fails.
    pub fn reset_now(self) {
        let unspecified = libc::sockaddr {
            sa_family: libc::AF_UNSPEC as libc::sa_family_t,
            sa_data: [0; 14],
        };
        // SAFETY: the descriptor is open (see `socket`) and the address is a
        // valid `sockaddr` of the length given.
        let done = unsafe {
            libc::connect(
                self.0,
                &unspecified,
                std::mem::size_of::<libc::sockaddr>() as libc::socklen_t,
            )
        };
        if done != 0 {
            log::warn!(
                "could not reset the connection for CONNECTION_RESET: {}",
                std::io::Error::last_os_error()
            );
        }
    }

    /// Ends the connection now (a FIN both ways, no RST). For h2 (see
    /// `reset_now`).
    pub fn end_now(self) {
        if let Err(e) = self.socket(|s| s.shutdown(std::net::Shutdown::Both)) {
            log::warn!("could not end the connection for EMPTY_RESPONSE: {e}");
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
