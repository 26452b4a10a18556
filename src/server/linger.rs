//! Closing a connection whose client is still sending: nginx's `lingering_close`.
//!
//! A server that answers before reading the whole request (a 413 for a body over the
//! limit, a 431 for a head too large) and then closes a socket with unread bytes makes
//! the kernel send a reset instead of a FIN. The client, still writing its upload,
//! sees "broken pipe" or "connection reset" and often never reads the answer sent
//! before it. So when a connection ends with bytes waiting, [`close`] keeps the socket
//! for a moment: it shuts the sending side (the answer goes out, then a FIN) and reads
//! and discards what still comes, until the client closes, it is quiet for
//! [`QUIET`], or [`TIME`] has passed. Then the socket closes as it would have.
//!
//! The cost is bounded for anyone: a lingering connection keeps its place in the
//! [`Registry`](super::conns::Registry) (it counts against `server.max_connections`,
//! and being idle it is the first closed to make room), at most [`MOST`] linger at
//! once (past that a connection closes at once, as before), each for at most
//! [`TIME`], with one buffer of [`BUF`] bytes. A connection that ends with nothing
//! unread (the usual case) costs one non-blocking `recv` with `MSG_PEEK`.

use super::conns::Tracked;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The most connections lingering at once.
pub const MOST: usize = 256;
/// The longest a connection lingers.
pub const TIME: Duration = Duration::from_secs(5);
/// A lingering connection with no byte for this long is closed.
pub const QUIET: Duration = Duration::from_secs(1);
/// The discard buffer of one lingering connection.
const BUF: usize = 16 * 1024;

static LINGERING: AtomicUsize = AtomicUsize::new(0);

/// Called just before `stream` is dropped: when its client sent bytes nobody read,
/// the socket lingers (see the module's documentation) on the current runtime, still
/// `tracked`; otherwise nothing happens and the drop closes it.
pub fn close(stream: &TcpStream, tracked: &Arc<Tracked>) {
    if !unread(stream) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let Some(slot) = Slot::take() else {
        return;
    };
    // A second descriptor of the same socket: the caller's drop deregisters and closes
    // its own, and this one keeps the socket open.
    let Ok(fd) = stream.as_fd().try_clone_to_owned() else {
        return;
    };
    let socket = std::net::TcpStream::from(fd);
    let tracked = tracked.clone();
    runtime.spawn(async move {
        let _slot = slot;
        let Ok(socket) = TcpStream::from_std(socket) else {
            return;
        };
        // SAFETY: shutdown(2) on a descriptor this task owns; no memory is passed.
        unsafe { libc::shutdown(socket.as_raw_fd(), libc::SHUT_WR) };
        tokio::select! {
            _ = tokio::time::timeout(TIME, discard(socket)) => {}
            () = tracked.evicted() => {}
        }
    });
}

/// Reads and drops until the client closes, fails, or is quiet for [`QUIET`].
async fn discard(mut socket: TcpStream) {
    let mut buf = vec![0u8; BUF];
    while let Ok(Ok(n)) = tokio::time::timeout(QUIET, socket.read(&mut buf)).await {
        if n == 0 {
            return;
        }
    }
}

/// Whether a byte is waiting to be read (without reading it or waiting).
fn unread(stream: &TcpStream) -> bool {
    let mut byte = 0u8;
    // SAFETY: a one-byte buffer we own, on a descriptor that stays open for the call.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            std::ptr::addr_of_mut!(byte).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n > 0
}

/// One of the [`MOST`] places, given back when dropped.
struct Slot;

impl Slot {
    fn take() -> Option<Self> {
        LINGERING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MOST).then_some(n + 1)
            })
            .ok()
            .map(|_| Self)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        LINGERING.fetch_sub(1, Ordering::AcqRel);
    }
}
