//! Password hashing with argon2id (the crate's default parameters: 19 MiB, t=2, p=1,
//! OWASP's recommendation), on a small pool of its own.
//!
//! Every login costs one argon2 run, and logins are the one expensive thing an
//! unauthenticated client can ask for. So hashing never runs on tokio's blocking pool
//! (unbounded: 150 concurrent logins once took 3.7 GB): it runs on
//! `auth.password_workers` threads (default one per two cores), each hashing into one
//! memory block of its own that is reused for every job and handed back to the kernel
//! (`madvise(MADV_DONTNEED)`) when the worker has been idle for [`RELEASE_AFTER`].
//! Jobs wait in a queue of `auth.password_queue`; when it is full the caller gets
//! [`PasswordError::Busy`] (503 with `Retry-After`) at once instead of memory or a
//! hang. The workers run at a lower CPU priority than the threads serving requests,
//! so a login burst slows logins, not `/health` or streams.

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::oneshot;

/// Longest password accepted, in characters (at most 4 KiB): hashing cost must not be
/// chosen by the caller. Counted in characters, as the API's `maxLength` counts.
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// How long a worker keeps its memory block resident without work.
pub const RELEASE_AFTER: Duration = Duration::from_secs(2);
/// The largest argon2 memory cost a stored hash may ask for (64 MiB): a hash written
/// by hand into the database must not make every login of that user allocate more.
const MAX_MEMORY_KIB: u32 = 64 * 1024;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every worker is busy and the queue is full; retry shortly.
    #[error("too many logins are being checked at once")]
    Busy,
    /// The random source for the salt failed, or the pool has stopped.
    #[error("cannot hash password: {0}")]
    Failed(String),
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, PasswordError>>,
    },
    Verify {
        password: String,
        stored: Option<String>,
        reply: oneshot::Sender<bool>,
    },
}

/// The password hashing pool: a bounded queue in front of a few worker threads.
#[derive(Debug, Clone)]
pub struct Passwords {
    jobs: SyncSender<Job>,
}

impl Passwords {
    /// Starts `workers` threads (0: one per two cores, at least one) behind a queue of
    /// `queue` jobs. The threads end when the last clone of the pool is dropped.
    pub fn new(workers: u32, queue: u32) -> Self {
        let workers = match workers {
            0 => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            n => n as usize,
        };
        let (jobs, rx) = mpsc::sync_channel(queue as usize);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .stack_size(256 * 1024)
                .spawn(move || work(&rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password worker");
            }
        }
        Self { jobs }
    }

    fn submit(&self, job: Job) -> Result<(), PasswordError> {
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => PasswordError::Busy,
            TrySendError::Disconnected(_) => PasswordError::Failed("the pool stopped".into()),
        })
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$...`).
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when the queue is full, otherwise when the random source
    /// for the salt fails.
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { password, reply })?;
        answer
            .await
            .map_err(|_| PasswordError::Failed("the worker stopped".into()))?
    }

    /// Whether `password` matches `stored`. A malformed stored hash never matches.
    /// With `None`, a fixed dummy hash is checked, so an unknown username costs as much
    /// time as a known one and cannot be told apart by timing.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when the queue is full.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password,
            stored,
            reply,
        })?;
        Ok(answer.await.unwrap_or(false))
    }
}

/// One worker: takes jobs until the pool is dropped, hashing into its own block.
fn work(rx: &Mutex<Receiver<Job>>) {
    lower_priority();
    let mut memory = Memory::default();
    loop {
        let next = rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv_timeout(RELEASE_AFTER);
        match next {
            Ok(Job::Hash { password, reply }) => {
                let _ = reply.send(hash_with(&mut memory, &password));
            }
            Ok(Job::Verify {
                password,
                stored,
                reply,
            }) => {
                let matched = stored
                    .as_deref()
                    .and_then(|stored| verify_with(&mut memory, &password, stored));
                if matched.is_none() {
                    // The same work for an unknown user, or one whose stored hash can
                    // never match (a guest pass's account), as for a known one.
                    verify_with(&mut memory, &password, dummy_hash());
                }
                let _ = reply.send(matched == Some(true));
            }
            Err(RecvTimeoutError::Timeout) => memory.release(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// A nice value of 10 for this thread: hashing yields the CPU to request handling.
fn lower_priority() {
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), 10) {
        tracing::debug!(error = %e, "cannot lower the password worker's priority");
    }
}

fn hash_with(memory: &mut Memory, password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| PasswordError::Failed(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Failed(e.to_string()))?;
    let params = Params::default();
    let blocks = memory
        .blocks(params.block_count())
        .map_err(|e| PasswordError::Failed(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let mut raw_salt = [0u8; 64];
    let raw_salt = salt
        .decode_b64(&mut raw_salt)
        .map_err(|e| PasswordError::Failed(e.to_string()))?;
    argon
        .hash_password_into_with_memory(password.as_bytes(), raw_salt, &mut out, blocks)
        .map_err(|e| PasswordError::Failed(e.to_string()))?;
    // The PHC string of exactly this output.
    let failed = |e: argon2::password_hash::Error| PasswordError::Failed(e.to_string());
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `stored`; `None` when `stored` is no argon2 hash this
/// server would check (so nothing was computed).
fn verify_with(memory: &mut Memory, password: &str, stored: &str) -> Option<bool> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return None;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return None;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return None;
    };
    if params.m_cost() > MAX_MEMORY_KIB || params.p_cost() != 1 {
        return None;
    }
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let mut raw_salt = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else {
        return None;
    };
    let Ok(blocks) = memory.blocks(params.block_count()) else {
        return None;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon
        .hash_password_into_with_memory(password.as_bytes(), raw_salt, &mut out, blocks)
        .is_err()
    {
        return Some(false);
    }
    // Constant time in the output's bytes.
    Some(
        out.iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0,
    )
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_with(&mut Memory::default(), "homestream-timing-equaliser").unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
             Qm5oV2xGd2VqZ0xKc0VqZ0xKc0VqZ0xKc0VqZ0xKc0U"
                .to_owned()
        })
    })
}

/// A worker's argon2 memory: one anonymous mapping, grown when a hash needs more,
/// whose pages go back to the kernel on [`Memory::release`] (the mapping stays, and
/// the next job faults in fresh zero pages). The allocator is kept out of it, so its
/// heuristics cannot keep 19 MiB per login resident.
#[derive(Default)]
struct Memory {
    map: Option<(std::ptr::NonNull<Block>, usize)>,
    dirty: bool,
}

// The mapping is owned by one worker thread at a time.
unsafe impl Send for Memory {}

impl Memory {
    fn blocks(&mut self, count: usize) -> std::io::Result<&mut [Block]> {
        if self.map.is_none_or(|(_, len)| len < count) {
            self.unmap();
            let bytes = count * std::mem::size_of::<Block>();
            // SAFETY: a fresh private anonymous mapping, not aliased by anything else.
            let ptr = unsafe {
                rustix::mm::mmap_anonymous(
                    std::ptr::null_mut(),
                    bytes,
                    rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                    rustix::mm::MapFlags::PRIVATE,
                )
            }?;
            let ptr = std::ptr::NonNull::new(ptr.cast::<Block>())
                .ok_or_else(|| std::io::Error::other("mmap returned null"))?;
            self.map = Some((ptr, count));
        }
        let (ptr, _) = self.map.expect("mapped above");
        self.dirty = true;
        // SAFETY: the mapping holds at least `count` blocks, is page-aligned (more than
        // Block's 64-byte alignment), zero-filled (a valid Block), and borrowed
        // mutably through `self` only.
        Ok(unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), count) })
    }

    /// Gives the pages back to the kernel; the mapping stays for the next job.
    fn release(&mut self) {
        if let (Some((ptr, len)), true) = (self.map, self.dirty) {
            // SAFETY: our own mapping; no slice of it is alive (`&mut self`).
            let _ = unsafe {
                rustix::mm::madvise(
                    ptr.as_ptr().cast(),
                    len * std::mem::size_of::<Block>(),
                    rustix::mm::Advice::LinuxDontNeed,
                )
            };
            self.dirty = false;
        }
    }

    fn unmap(&mut self) {
        if let Some((ptr, len)) = self.map.take() {
            // SAFETY: our own mapping, no slice of it is alive.
            let _ = unsafe {
                rustix::mm::munmap(ptr.as_ptr().cast(), len * std::mem::size_of::<Block>())
            };
        }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        self.unmap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pool = Passwords::new(1, 4);
        let h = pool.hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(pool
            .verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!pool.verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!pool
            .verify("x".into(), Some("not a hash".into()))
            .await
            .unwrap());
        assert!(!pool
            .verify("homestream-timing-equaliser".into(), None)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn hashes_interoperate_with_the_crate_s_own() {
        let pool = Passwords::new(1, 4);
        // Ours verifies with the crate's verifier...
        let ours = pool.hash("correct horse".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        // ...and a hash the crate made (as stored by earlier versions) verifies here.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"old password", &salt)
            .unwrap()
            .to_string();
        assert!(pool
            .verify("old password".into(), Some(theirs.clone()))
            .await
            .unwrap());
        assert!(!pool
            .verify("old passwore".into(), Some(theirs))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let pool = Passwords::new(1, 1);
        let jobs: Vec<_> = (0..8)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.verify(format!("guess {i}"), None).await })
            })
            .collect();
        let mut busy = 0;
        for job in jobs {
            if matches!(job.await.unwrap(), Err(PasswordError::Busy)) {
                busy += 1;
            }
        }
        // One running and one queued at most; the rest are refused.
        assert!(busy >= 6, "{busy} of 8 refused");
    }

    #[test]
    fn released_memory_is_given_back_and_reused() {
        let mut memory = Memory::default();
        let blocks = memory.blocks(4096).unwrap();
        blocks[4095].as_mut()[0] = 7;
        memory.release();
        // Fresh zero pages after a release.
        assert_eq!(memory.blocks(4096).unwrap()[4095].as_ref()[0], 0);
        let before = memory.map.unwrap().0;
        memory.blocks(100).unwrap();
        assert_eq!(
            memory.map.unwrap().0,
            before,
            "a smaller job reuses the mapping"
        );
    }
}
