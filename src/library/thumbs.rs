//! Thumbnails: one JPEG per video, taken at about 10% of its duration (past most
//! opening logos and black frames), 480 pixels wide at most, by an ffmpeg of low
//! priority (nice 10) once the scan has written the catalog.

use super::MediaFile;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

const THUMBNAIL_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes a thumbnail of `video` to `out`, replacing any older one atomically.
///
/// # Errors
/// A description of why ffmpeg could not make it.
pub async fn make(
    ffmpeg: &Path,
    video: &MediaFile,
    duration: Option<f64>,
    out: &Path,
) -> Result<(), String> {
    let at = duration.map_or(0.0, |d| (d * 0.1).max(0.0));
    if let Some(dir) = out.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| e.to_string())?;
    }
    let partial = out.with_extension("jpg.part");
    let child = command(ffmpeg, video, at, &partial)
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

/// ffmpeg writing one JPEG frame of the handed `video`, at most 480 pixels wide, from
/// `at` seconds in.
fn command(ffmpeg: &Path, video: &MediaFile, at: f64, partial: &Path) -> Command {
    let mut command = Command::new(ffmpeg);
    video.hand_to(&mut command);
    command
        .args(["-nostdin", "-v", "error", "-y", "-ss", &format!("{at:.3}")])
        .args(super::probe::input_guard(super::probe::MEDIA_FORMATS))
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
        .arg(partial)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Background work: playback's ffmpeg and the server come first.
    // SAFETY: setpriority is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            libc::setpriority(libc::PRIO_PROCESS, 0, 10);
            Ok(())
        });
    }
    command
}
