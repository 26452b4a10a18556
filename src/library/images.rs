//! Artwork served resized: a poster or backdrop from beside the videos (or a video's
//! thumbnail) scaled by ffmpeg to one of [`WIDTHS`], cached on disk under
//! `data_dir/images`, named by a hash of the source's place, size and modification
//! time and the width: that name is also the ETag, so a replaced poster gets a new one.
//!
//! The source is read through a descriptor opened beneath its library's root and handed
//! to ffmpeg with the single-image demuxer of its own type (JPEG, PNG or WebP, known by
//! its first bytes), so neither a symlink nor a file naming other files leads ffmpeg
//! elsewhere. One resize runs at a time, at low priority.

use super::MediaFile;
use sha2::{Digest, Sha256};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};
use tokio::process::Command;
use tokio::sync::Semaphore;

/// The widths images are served at; a request is rounded up to the next one.
pub const WIDTHS: [u32; 4] = [160, 320, 640, 1280];

/// The largest source image read.
const MAX_SOURCE: u64 = 32 * 1024 * 1024;

const RESIZE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an image cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the artwork file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the artwork file is larger than 32 MiB")]
    TooLarge,
    #[error("the image could not be resized: {0}")]
    Resize(String),
}

/// The resized-image cache.
#[derive(Debug)]
pub struct Images {
    dir: PathBuf,
    ffmpeg: PathBuf,
    permits: Semaphore,
}

/// A resized image on disk, and its ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resized {
    pub path: PathBuf,
    pub etag: String,
}

impl Images {
    pub fn new(dir: PathBuf, ffmpeg: PathBuf) -> Self {
        Self {
            dir,
            ffmpeg,
            permits: Semaphore::new(1),
        }
    }

    /// `source` (named `place` for the cache: its library and path) scaled to the width
    /// in [`WIDTHS`] at or above `width`, never wider than it is.
    ///
    /// # Errors
    /// [`ImageError`] when it is not an image, too large, or ffmpeg fails.
    pub async fn resized(
        &self,
        place: &str,
        source: &MediaFile,
        width: u32,
    ) -> Result<Resized, ImageError> {
        let width = WIDTHS
            .iter()
            .copied()
            .find(|w| *w >= width)
            .unwrap_or(WIDTHS[WIDTHS.len() - 1]);
        let meta = source
            .file()
            .metadata()
            .map_err(|e| ImageError::Resize(e.to_string()))?;
        if meta.len() > MAX_SOURCE {
            return Err(ImageError::TooLarge);
        }
        let demuxer = demuxer_of(source.file()).ok_or(ImageError::NotAnImage)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let key = cache_key(place, meta.len(), modified, width);
        let path = self.dir.join(format!("{key}.jpg"));
        let resized = Resized {
            path: path.clone(),
            etag: format!("\"{key}\""),
        };
        if tokio::fs::metadata(&path).await.is_ok() {
            return Ok(resized);
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ImageError::Resize(e.to_string()))?;
        if tokio::fs::metadata(&path).await.is_ok() {
            return Ok(resized);
        }
        self.resize(source, demuxer, width, &path).await?;
        Ok(resized)
    }

    async fn resize(
        &self,
        source: &MediaFile,
        demuxer: &str,
        width: u32,
        out: &Path,
    ) -> Result<(), ImageError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| ImageError::Resize(e.to_string()))?;
        let partial = out.with_extension(format!("{}.part", std::process::id()));
        let mut command = Command::new(&self.ffmpeg);
        source.hand_to(&mut command);
        command
            .args(["-nostdin", "-v", "error", "-y"])
            .args(["-protocol_whitelist", "file", "-f", demuxer])
            .args(["-i", MediaFile::INPUT])
            .args([
                "-frames:v",
                "1",
                "-vf",
                &format!("scale='min({width},iw)':-2"),
                "-q:v",
                "3",
                "-f",
                "mjpeg",
            ])
            .arg(&partial);
        let child = super::probe::in_background(&mut command, 10)
            .spawn()
            .map_err(|e| ImageError::Resize(format!("ffmpeg could not be run: {e}")))?;
        let output = tokio::time::timeout(RESIZE_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| ImageError::Resize("ffmpeg took too long".to_owned()))?
            .map_err(|e| ImageError::Resize(e.to_string()))?;
        let made = tokio::fs::metadata(&partial)
            .await
            .is_ok_and(|m| m.len() > 0);
        if !output.status.success() || !made {
            let _ = tokio::fs::remove_file(&partial).await;
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(ImageError::Resize(
                stderr.lines().last().unwrap_or("no image made").to_owned(),
            ));
        }
        tokio::fs::rename(&partial, out)
            .await
            .map_err(|e| ImageError::Resize(e.to_string()))
    }
}

/// The single-image demuxer for the file's type, by its first bytes.
fn demuxer_of(file: &std::fs::File) -> Option<&'static str> {
    let mut head = [0u8; 12];
    let n = file.read_at(&mut head, 0).ok()?;
    image_type(&head[..n])
}

/// The single-image demuxer of a picture, by its first bytes: JPEG, PNG or WebP.
pub fn image_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg_pipe")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png_pipe")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("webp_pipe")
    } else {
        None
    }
}

fn cache_key(place: &str, size: u64, modified: u128, width: u32) -> String {
    let mut hasher = Sha256::new();
    hasher.update(place.as_bytes());
    hasher.update([0]);
    hasher.update(size.to_le_bytes());
    hasher.update(modified.to_le_bytes());
    hasher.update(width.to_le_bytes());
    hasher.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(image_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some("jpeg_pipe"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n\0\0\0\r"), Some("png_pipe"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp_pipe"));
        assert_eq!(image_type(b"#EXTM3U\n#EXT-X"), None);
        assert_eq!(image_type(b"ffconcat version"), None);
        assert_eq!(image_type(b""), None);
    }

    #[test]
    fn the_key_changes_with_the_source_and_the_width() {
        let a = cache_key("Films/Alien (1979)/poster.jpg", 100, 1, 320);
        assert_ne!(a, cache_key("Films/Alien (1979)/poster.jpg", 101, 1, 320));
        assert_ne!(a, cache_key("Films/Alien (1979)/poster.jpg", 100, 2, 320));
        assert_ne!(a, cache_key("Films/Alien (1979)/poster.jpg", 100, 1, 640));
        assert_ne!(a, cache_key("Films/Alien (1979)/fanart.jpg", 100, 1, 320));
        assert_eq!(a, cache_key("Films/Alien (1979)/poster.jpg", 100, 1, 320));
    }
}
