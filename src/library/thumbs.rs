//! Thumbnails: one JPEG per video, 480 pixels wide at most, made by an ffmpeg of low
//! priority (nice 10) once the scan has written the catalog: a film's cover picture
//! embedded in its container when it has one ([`Source::Cover`]), else a frame taken at
//! about 10% of its duration, past most opening logos and black frames.

use super::open::MediaFile;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

const THUMBNAIL_TIMEOUT: Duration = Duration::from_secs(60);

/// What a thumbnail is made from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A frame of the video, whose duration is known or not.
    Frame(&'a MediaFile, Option<f64>),
    /// A picture file (JPEG, PNG or WebP), read with its own single-image demuxer.
    Cover(&'a MediaFile, &'static str),
}

/// Writes a thumbnail to `out`, replacing any older one atomically.
///
/// # Errors
/// A description of why ffmpeg could not make it.
pub async fn make(ffmpeg: &Path, source: Source<'_>, out: &Path) -> Result<(), String> {
    if let Some(dir) = out.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| e.to_string())?;
    }
    let partial = out.with_extension("jpg.part");
    let child = command(ffmpeg, source, &partial)
        .spawn()
        .map_err(|e| format!("ffmpeg could not be run: {e}"))?;
    let out_put = tokio::time::timeout(THUMBNAIL_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| "ffmpeg took too long making the thumbnail".to_owned())?
        .map_err(|e| e.to_string())?;
    let made = tokio::fs::metadata(&partial)
        .await
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if !out_put.status.success() || !made {
        let _ = tokio::fs::remove_file(&partial).await;
        let stderr = String::from_utf8_lossy(&out_put.stderr);
        return Err(stderr
            .lines()
            .last()
            .unwrap_or("ffmpeg made no frame")
            .to_owned());
    }
    tokio::fs::rename(&partial, out)
        .await
        .map_err(|e| e.to_string())
}

/// ffmpeg writing one JPEG of the handed source, at most 480 pixels wide.
fn command(ffmpeg: &Path, source: Source<'_>, partial: &Path) -> Command {
    let mut command = Command::new(ffmpeg);
    command.args(["-nostdin", "-v", "error", "-y"]);
    match source {
        Source::Frame(video, duration) => {
            let at = duration.map_or(0.0, |d| (d * 0.1).max(0.0));
            video.hand_to(&mut command);
            command
                .args(["-ss", &format!("{at:.3}")])
                .args(super::probe::input_guard(super::probe::MEDIA_FORMATS));
        }
        Source::Cover(picture, demuxer) => {
            picture.hand_to(&mut command);
            command.args(["-protocol_whitelist", "file", "-f", demuxer]);
        }
    }
    command
        .args(["-i", MediaFile::INPUT])
        .args([
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-vf",
            "scale='min(480,iw)':-2",
            "-q:v",
            "4",
            "-f",
            "mjpeg",
        ])
        .arg(partial);
    super::probe::in_background(&mut command, 10);
    command
}
