//! Opening a library file once, beneath its library's root, and handing that one
//! descriptor to whatever reads it.
//!
//! A path checked and then opened again by path can be swapped in between: a folder
//! or a sidecar subtitle replaced by a symlink after the check leads outside the
//! library. So a library file is opened with `openat2(2)` relative to its library's
//! root with `RESOLVE_BENEATH` (no step of the path may leave the root, whether by
//! `..`, an absolute symlink or a relative one) and `RESOLVE_NO_MAGICLINKS`; a kernel
//! without `openat2` (before Linux 5.6) gets a walk that opens each folder with
//! `O_NOFOLLOW` and refuses every symlink. Only a regular file is accepted (a FIFO
//! named `.mkv` could block a reader for ever: it is opened non-blocking and refused).
//!
//! The [`MediaFile`] is what is served (sendfile reads its descriptor) and what ffmpeg
//! reads: [`MediaFile::hand_to`] gives the child the descriptor as its fd 3 and ffmpeg
//! opens [`MediaFile::INPUT`], `/dev/fd/3`, which reopens that open file, not the path.

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

/// A library file, opened beneath its root.
#[derive(Debug, Clone)]
pub struct MediaFile(Arc<File>);

/// Why a file could not be opened beneath its root.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Some step of the path leaves the library (a symlink, `..`), or names something
    /// that is not a regular file.
    #[error("the path leaves its library or is not a regular file")]
    Outside,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl MediaFile {
    /// The path ffmpeg reads a handed file by.
    pub const INPUT: &'static str = "/dev/fd/3";

    /// Opens `rel` (a relative path checked by [`super::is_safe_relative`]) beneath the
    /// folder `root`.
    ///
    /// # Errors
    /// [`OpenError::Outside`] when a step leaves `root` or it is no regular file;
    /// [`OpenError::Io`] when it does not exist or cannot be read.
    pub fn open_beneath(root: &Path, rel: &str) -> Result<Self, OpenError> {
        let dir = rustix::fs::open(
            root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io::Error::from)?;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
        let fd = match rustix::fs::openat2(&dir, rel, flags, Mode::empty(), resolve) {
            Ok(fd) => fd,
            Err(Errno::NOSYS) => walk_without_links(dir, rel, flags)?,
            Err(Errno::XDEV | Errno::LOOP | Errno::NOTDIR) => return Err(OpenError::Outside),
            Err(e) => return Err(io::Error::from(e).into()),
        };
        let file = File::from(fd);
        if !file.metadata()?.is_file() {
            return Err(OpenError::Outside);
        }
        Ok(Self(Arc::new(file)))
    }

    /// The open file, for reading and sendfile.
    pub fn file(&self) -> &Arc<File> {
        &self.0
    }

    /// Makes `cmd`'s child start with this file as its descriptor 3, where ffmpeg reads
    /// it as [`Self::INPUT`]. The child keeps only that copy: it is closed in the child
    /// when the child execs anything else, and here when the command is dropped.
    pub fn hand_to(&self, cmd: &mut tokio::process::Command) {
        let file = self.0.clone();
        // SAFETY: between fork and exec only dup2(2) and fcntl(2) run, which are
        // async-signal-safe; `file` is kept open by the closure until the command
        // (and with it the closure) is dropped, after the spawn.
        unsafe {
            cmd.pre_exec(move || {
                let fd = file.as_raw_fd();
                if fd == 3 {
                    if libc::fcntl(3, libc::F_SETFD, 0) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                } else if libc::dup2(fd, 3) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

/// `openat2`'s refusal by hand: each folder of `rel` opened with `O_NOFOLLOW` from the
/// last, so no symlink is followed at all.
fn walk_without_links(root: OwnedFd, rel: &str, flags: OFlags) -> Result<OwnedFd, OpenError> {
    let mut parts = rel.split('/').filter(|p| !p.is_empty()).peekable();
    let mut dir = root;
    while let Some(part) = parts.next() {
        if part == ".." || part == "." {
            return Err(OpenError::Outside);
        }
        let last = parts.peek().is_none();
        let step = if last {
            flags | OFlags::NOFOLLOW
        } else {
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
        };
        dir = match rustix::fs::openat(&dir, part, step, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::LOOP | Errno::NOTDIR) => return Err(OpenError::Outside),
            Err(e) => return Err(io::Error::from(e).into()),
        };
        if last {
            return Ok(dir);
        }
    }
    Err(OpenError::Outside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_file_opens_beneath_its_root_and_no_symlink_leads_out() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("Films")).unwrap();
        std::fs::write(root.path().join("Films/a.mkv"), b"inside").unwrap();
        std::fs::write(outside.path().join("secret.mkv"), b"secret").unwrap();
        symlink(outside.path(), root.path().join("Out")).unwrap();
        symlink(
            outside.path().join("secret.mkv"),
            root.path().join("Films/b.mkv"),
        )
        .unwrap();
        symlink("a.mkv", root.path().join("Films/alias.mkv")).unwrap();
        symlink("../../", root.path().join("Films/up")).unwrap();
        let read = |rel: &str| {
            MediaFile::open_beneath(root.path(), rel)
                .map(|f| std::io::read_to_string(&*f.file().clone()).unwrap())
        };
        assert_eq!(read("Films/a.mkv").unwrap(), "inside");
        assert_eq!(
            read("Films/alias.mkv").unwrap(),
            "inside",
            "a link inside stays"
        );
        for out in [
            "Out/secret.mkv",
            "Films/b.mkv",
            "Films/up/etc/passwd",
            "../x",
        ] {
            assert!(
                matches!(read(out), Err(OpenError::Outside)),
                "{out} is refused"
            );
        }
        assert!(matches!(read("Films"), Err(OpenError::Outside)), "a folder");
        assert!(matches!(read("Films/none.mkv"), Err(OpenError::Io(_))));
        // The walk for kernels without openat2 refuses every link.
        let dir = |_: ()| {
            rustix::fs::open(root.path(), OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap()
        };
        assert!(walk_without_links(dir(()), "Films/a.mkv", OFlags::RDONLY).is_ok());
        for out in ["Out/secret.mkv", "Films/b.mkv", "Films/alias.mkv", "../x"] {
            assert!(
                matches!(
                    walk_without_links(dir(()), out, OFlags::RDONLY),
                    Err(OpenError::Outside)
                ),
                "{out}"
            );
        }
    }

    #[test]
    fn a_fifo_named_like_a_video_is_refused_without_blocking() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("pipe.mkv");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(matches!(
            MediaFile::open_beneath(root.path(), "pipe.mkv"),
            Err(OpenError::Outside)
        ));
    }
}
