//! One listening socket per CPU (`server.accept_per_cpu`), for the connection threads
//! that [`super::serve`] pins one to each CPU the process may run on.
//!
//! The sockets form one `SO_REUSEPORT` group on the server's address, and a classic BPF
//! program attached to the group (`SO_ATTACH_REUSEPORT_CBPF`) hands each new connection
//! to the socket of the CPU that received its first packet (the network card's queue,
//! or on loopback the client's CPU). The thread pinned to that CPU accepts it and serves
//! every request of it there, so a request wakes a thread on the CPU where its packets
//! already are instead of waking another CPU: on a 2-vCPU virtual machine that cross-CPU
//! wake-up was most of the time to first byte's tail (p99 0.31 to 0.46 ms on one
//! shared listener; 0.16 to 0.18 ms with one per CPU).
//!
//! Steering follows the packets, not the load: a single-worker proxy, a one-queue
//! network card or one client process may bring all connections in on one CPU. So the
//! threads also share the connections ([`Share`]): a thread holding [`SLACK`] more open
//! connections than the least busy one hands a new connection over to it, which then
//! serves it from its own CPU (a cross-CPU wake-up per request, as with one socket).
//! What this cannot do is move work off a CPU that something else keeps busy: with the
//! benchmark's client pinned to one CPU, 64 keep-alive connections of 1 MiB ranges gave
//! 2,185 requests per second against 3,520 with one shared socket, whose workers drift
//! to the idle CPU (`BENCH_QUICK=1 BENCH_CLIENT_CPU=0 cargo bench --bench serve`);
//! `server.accept_per_cpu = false` is the setting for such a machine.
//!
//! The program returns an index into the group in joining order, which is the order of
//! [`spread`]'s sockets; an index past the group's end falls back to the kernel's hash.
//! So a socket that joins the group later (any process of the same user may, with
//! `SO_REUSEPORT`) is never chosen: it cannot take a share of the connections.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// `SO_ATTACH_REUSEPORT_CBPF` (asm-generic/socket.h); not in the `libc` crate for Linux.
const SO_ATTACH_REUSEPORT_CBPF: libc::c_int = 51;

// Classic BPF opcodes (linux/filter.h, linux/bpf_common.h): class | size | mode/op | src.
/// `BPF_LD | BPF_W | BPF_ABS`.
const BPF_LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`.
const BPF_JMP_JEQ_K: u16 = 0x05 | 0x10;
/// `BPF_ALU | BPF_MOD | BPF_K`.
const BPF_ALU_MOD_K: u16 = 0x04 | 0x90;
/// `BPF_RET | BPF_K`.
const BPF_RET_K: u16 = 0x06;
/// `BPF_RET | BPF_A`.
const BPF_RET_A: u16 = 0x06 | 0x10;
/// The ancillary load of the current CPU's number (`SKF_AD_OFF + SKF_AD_CPU`).
const LOAD_CPU: u32 = (libc::SKF_AD_OFF + libc::SKF_AD_CPU) as u32;

/// The CPUs this process may run on, in ascending order (all of them under `taskset`
/// or systemd's `CPUAffinity=` are what is allowed, not what the machine has).
pub fn allowed() -> Vec<usize> {
    match rustix::thread::sched_getaffinity(None) {
        Ok(set) => (0..rustix::thread::CpuSet::MAX_CPU)
            .filter(|&cpu| set.is_set(cpu))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Pins the calling thread to `cpu`.
pub fn pin(cpu: usize) -> io::Result<()> {
    let mut set = rustix::thread::CpuSet::new();
    set.set(cpu);
    rustix::thread::sched_setaffinity(None, &set).map_err(io::Error::from)
}

/// Whether `listener` was bound with `SO_REUSEPORT`, so that more sockets can join it.
pub fn in_group(listener: &impl AsFd) -> bool {
    rustix::net::sockopt::socket_reuseport(listener).unwrap_or(false)
}

/// The sockets for `cpus`, in order: `first` (a listener bound with `SO_REUSEPORT`)
/// for `cpus[0]`, and one new socket joining its group for each further CPU. The
/// steering program is attached to the group; each socket also says its CPU
/// (`SO_INCOMING_CPU`), which the kernel's own selection uses should the program be
/// refused.
///
/// # Errors
/// When a socket cannot be made, bound or listened on; `first` is left as it was.
pub fn spread(first: &TcpListener, cpus: &[usize], backlog: u32) -> io::Result<Vec<TcpListener>> {
    let addr = first.local_addr()?;
    let mut more = Vec::with_capacity(cpus.len().saturating_sub(1));
    for _ in cpus.iter().skip(1) {
        more.push(join(addr, backlog)?);
    }
    for (socket, &cpu) in std::iter::once(first).chain(&more).zip(cpus) {
        let _ = rustix::net::sockopt::set_socket_incoming_cpu(socket, cpu as u32);
    }
    if let Err(e) = steer(first, cpus) {
        tracing::warn!(error = %e, "connections are not steered to their CPU's socket (SO_ATTACH_REUSEPORT_CBPF refused); the kernel's hash chooses");
    }
    Ok(more)
}

/// A new listening socket (non-blocking) in the `SO_REUSEPORT` group on `addr`: the
/// group's first when no socket listens there yet (port 0 picks a free port).
///
/// # Errors
/// When the socket cannot be made, bound or listened on.
pub fn join(addr: std::net::SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    use rustix::net::{sockopt, AddressFamily, SocketFlags, SocketType};
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let fd = rustix::net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
        None,
    )?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    sockopt::set_socket_reuseport(&fd, true)?;
    rustix::net::bind(&fd, &addr)?;
    rustix::net::listen(&fd, i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(TcpListener::from(fd))
}

/// The steering program: the index of the current CPU in `cpus`, or for a CPU not in
/// it (the process's affinity changed) the CPU's number modulo the group's size.
fn program(cpus: &[usize]) -> Vec<libc::sock_filter> {
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let mut prog = vec![op(BPF_LD_W_ABS, 0, 0, LOAD_CPU)];
    for (index, &cpu) in cpus.iter().enumerate() {
        prog.push(op(BPF_JMP_JEQ_K, 0, 1, cpu as u32));
        prog.push(op(BPF_RET_K, 0, 0, index as u32));
    }
    prog.push(op(BPF_ALU_MOD_K, 0, 0, cpus.len().max(1) as u32));
    prog.push(op(BPF_RET_A, 0, 0, 0));
    prog
}

fn steer(socket: &TcpListener, cpus: &[usize]) -> io::Result<()> {
    let mut prog = program(cpus);
    let fprog = libc::sock_fprog {
        len: u16::try_from(prog.len()).map_err(|_| io::Error::other("too many CPUs"))?,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: `fprog` points at `prog`, alive for the call; the kernel copies it.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_ATTACH_REUSEPORT_CBPF,
            std::ptr::from_ref(&fprog).cast(),
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// How many more open connections a thread holds than the least busy one before it
/// hands new ones over: at 2, connections made one after another (each closed before
/// the next) always stay where their packets arrive.
pub const SLACK: usize = 2;

/// Connections handed between threads that may wait for their new thread.
const HANDED_QUEUE: usize = 256;

/// A connection handed from one thread to another, out of its old runtime, with what
/// the accepting thread attached to it (`T`: its admission to the connection registry,
/// made before the hand-over, so that connections waiting in the queue count against
/// `server.max_connections` like every other).
type Handed<T> = (std::net::TcpStream, SocketAddr, T);

/// One per-CPU thread's part in sharing the connections: where it sends connections to
/// hand over ([`Placer`]) and where it receives them ([`Inbox`]).
pub struct Share<T> {
    pub placer: Placer<T>,
    pub inbox: Inbox<T>,
}

/// Decides whether a thread keeps a connection it accepted.
pub struct Placer<T> {
    me: usize,
    open: Arc<[AtomicUsize]>,
    peers: Arc<[mpsc::Sender<Handed<T>>]>,
}

/// The connections handed to a thread.
pub struct Inbox<T> {
    me: usize,
    open: Arc<[AtomicUsize]>,
    handed: mpsc::Receiver<Handed<T>>,
}

/// A connection counted as open on a thread until dropped.
#[derive(Debug)]
pub struct Open {
    open: Arc<[AtomicUsize]>,
    thread: usize,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.open[self.thread].fetch_sub(1, Ordering::Relaxed);
    }
}

/// The shares of `threads` threads, in order.
pub fn shares<T>(threads: usize) -> Vec<Share<T>> {
    let open: Arc<[AtomicUsize]> = (0..threads).map(|_| AtomicUsize::new(0)).collect();
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..threads).map(|_| mpsc::channel(HANDED_QUEUE)).unzip();
    let peers: Arc<[mpsc::Sender<Handed<T>>]> = senders.into();
    receivers
        .into_iter()
        .enumerate()
        .map(|(me, handed)| Share {
            placer: Placer {
                me,
                open: open.clone(),
                peers: peers.clone(),
            },
            inbox: Inbox {
                me,
                open: open.clone(),
                handed,
            },
        })
        .collect()
}

impl<T> Placer<T> {
    /// Keeps `stream` on this thread, counted as open here, or hands it to the thread
    /// with the fewest open connections when this one holds [`SLACK`] more (`None`).
    pub fn place(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        with: T,
    ) -> Option<(tokio::net::TcpStream, T, Open)> {
        let mine = self.open[self.me].load(Ordering::Relaxed);
        let least = (0..self.open.len())
            .filter(|&t| t != self.me)
            .min_by_key(|&t| self.open[t].load(Ordering::Relaxed));
        let (mut stream, mut with) = (stream, with);
        if let Some(to) = least.filter(|&t| mine >= self.open[t].load(Ordering::Relaxed) + SLACK) {
            self.open[to].fetch_add(1, Ordering::Relaxed);
            let handed = stream
                .into_std()
                .map(|std| self.peers[to].try_send((std, peer, with)));
            match handed {
                Ok(Ok(())) => return None,
                Ok(Err(refused)) => {
                    self.open[to].fetch_sub(1, Ordering::Relaxed);
                    let (std, _, back) = match refused {
                        mpsc::error::TrySendError::Full(h)
                        | mpsc::error::TrySendError::Closed(h) => h,
                    };
                    stream = tokio::net::TcpStream::from_std(std).ok()?;
                    with = back;
                }
                Err(_) => {
                    self.open[to].fetch_sub(1, Ordering::Relaxed);
                    return None;
                }
            }
        }
        self.open[self.me].fetch_add(1, Ordering::Relaxed);
        Some((
            stream,
            with,
            Open {
                open: self.open.clone(),
                thread: self.me,
            },
        ))
    }
}

impl<T> Inbox<T> {
    /// The next connection handed to this thread, registered with its runtime.
    pub async fn next(&mut self) -> Option<(tokio::net::TcpStream, SocketAddr, T, Open)> {
        loop {
            let (std, peer, with) = self.handed.recv().await?;
            // Counted here by the thread that handed it over.
            let open = Open {
                open: self.open.clone(),
                thread: self.me,
            };
            if let Ok(stream) = tokio::net::TcpStream::from_std(std) {
                return Some((stream, peer, with, open));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;

    /// Two CPUs to steer between; fails under `CI=true` on a machine with one.
    fn two_cpus() -> Option<[usize; 2]> {
        let cpus = allowed();
        if cpus.len() >= 2 {
            return Some([cpus[0], cpus[1]]);
        }
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "one CPU allowed: per-CPU accept cannot be tested");
        eprintln!("SKIPPED: one CPU allowed, per-CPU accept not tested");
        None
    }

    /// Opens `n` connections to `addr` from a thread pinned to `cpu`.
    fn connect_from(cpu: usize, addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
        std::thread::spawn(move || {
            pin(cpu).expect("pinned");
            (0..n)
                .map(|_| TcpStream::connect(addr).expect("connects"))
                .collect::<Vec<_>>()
        })
        .join()
        .expect("client thread")
    }

    /// Connections waiting on `listener` (it is non-blocking).
    fn waiting(listener: &TcpListener) -> usize {
        std::iter::from_fn(|| listener.accept().ok()).count()
    }

    fn group(cpus: &[usize]) -> (TcpListener, Vec<TcpListener>) {
        let first = join("127.0.0.1:0".parse().unwrap(), 128).expect("first socket");
        let more = spread(&first, cpus, 128).expect("spread");
        (first, more)
    }

    #[test]
    fn each_connection_goes_to_the_socket_of_the_cpu_it_came_from() {
        let Some(cpus) = two_cpus() else { return };
        let (first, more) = group(&cpus);
        let addr = first.local_addr().unwrap();
        let _a = connect_from(cpus[0], addr, 40);
        let _b = connect_from(cpus[1], addr, 30);
        assert_eq!((waiting(&first), waiting(&more[0])), (40, 30));
        let _c = connect_from(cpus[1], addr, 25);
        assert_eq!((waiting(&first), waiting(&more[0])), (0, 25));
    }

    #[test]
    fn a_socket_that_joins_the_group_later_gets_no_connection() {
        // A stray process of the same user joining the group, even one saying it is on
        // the same CPU, must not take a share of the server's connections (without the
        // steering program the kernel hashes between the two).
        let Some(cpus) = two_cpus() else { return };
        let (first, more) = group(&cpus);
        let addr = first.local_addr().unwrap();
        let stray = join(addr, 128).expect("a later socket joins");
        rustix::net::sockopt::set_socket_incoming_cpu(&stray, cpus[0] as u32).unwrap();
        let _conns = connect_from(cpus[0], addr, 60);
        assert_eq!(waiting(&stray), 0, "the stray socket took connections");
        assert_eq!((waiting(&first), waiting(&more[0])), (60, 0));
    }

    #[test]
    fn the_program_maps_each_allowed_cpu_to_its_index_and_others_by_modulo() {
        let prog = program(&[2, 5]);
        let codes: Vec<_> = prog.iter().map(|op| (op.code, op.k)).collect();
        assert_eq!(
            codes,
            [
                (BPF_LD_W_ABS, LOAD_CPU),
                (BPF_JMP_JEQ_K, 2),
                (BPF_RET_K, 0),
                (BPF_JMP_JEQ_K, 5),
                (BPF_RET_K, 1),
                (BPF_ALU_MOD_K, 2),
                (BPF_RET_A, 0),
            ]
        );
        assert!(prog[1..5]
            .iter()
            .step_by(2)
            .all(|op| (op.jt, op.jf) == (0, 1)));
    }
}
