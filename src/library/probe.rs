//! Reading a file's media facts with `ffprobe -print_format json`. [`parse`] is pure and
//! unit-tested; [`probe`] runs the program with a time limit.
//!
//! # Library input is media, read from its own file only
//! A library file is whatever its owner saved under a media extension, and FFmpeg
//! follows what a file says: an HLS playlist or an `ffconcat` list saved as
//! `evil.mkv` makes ffprobe and ffmpeg read the files it names, anywhere. So every
//! ffprobe and ffmpeg run on a library file reads it through [`input_guard`]: the
//! `file` protocol only, and only the demuxers of real media containers
//! ([`MEDIA_FORMATS`]) or, for a subtitle file, of subtitle formats
//! ([`SUBTITLE_FORMATS`]). None of them opens another file. A file that is a playlist
//! or a list is refused by the scanner ([`ProbeError::Refused`]) and not catalogued.

use super::MediaFile;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// How long one ffprobe run may take before the file counts as unreadable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// What ffprobe says about a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Seconds.
    pub duration: Option<f64>,
    /// Bits per second of the whole file.
    pub bit_rate: Option<i64>,
    /// The container's title tag, if any.
    pub title: Option<String>,
    pub video: Option<VideoStream>,
    pub audio: Vec<AudioStream>,
    pub subtitles: Vec<SubtitleStream>,
}

/// The main video stream (cover art is skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoStream {
    pub codec: String,
    pub profile: Option<String>,
    /// As ffprobe reports it: 41 for H.264 level 4.1, 120 for HEVC level 4.
    pub level: Option<i32>,
    pub width: i32,
    pub height: i32,
    pub bit_rate: Option<i64>,
    /// Frames per second.
    pub frame_rate: Option<f64>,
    pub pixel_format: Option<String>,
}

/// One audio stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioStream {
    /// The stream's index in the file.
    pub index: i32,
    pub codec: String,
    pub channels: Option<i32>,
    /// ISO 639-2 code when tagged (`eng`, `fra`).
    pub language: Option<String>,
    pub title: Option<String>,
    pub default: bool,
}

/// One embedded subtitle stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubtitleStream {
    /// The stream's index in the file.
    pub index: i32,
    pub codec: String,
    pub language: Option<String>,
    pub title: Option<String>,
    pub forced: bool,
}

/// ffprobe's JSON, the parts used.
#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize, Default)]
struct RawFormat {
    duration: Option<String>,
    bit_rate: Option<String>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Deserialize, Default)]
struct Tags {
    language: Option<String>,
    title: Option<String>,
}

#[derive(Deserialize, Default)]
struct Disposition {
    #[serde(default)]
    default: i32,
    #[serde(default)]
    forced: i32,
    #[serde(default)]
    attached_pic: i32,
}

#[derive(Deserialize)]
struct RawStream {
    index: i32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    level: Option<i32>,
    width: Option<i32>,
    height: Option<i32>,
    bit_rate: Option<String>,
    channels: Option<i32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    pix_fmt: Option<String>,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    disposition: Disposition,
}

/// Why a file could not be probed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// The file is a playlist or a list of other files, not media.
    #[error("refused: {0}")]
    Refused(String),
    #[error("ffprobe could not be run: {0}")]
    Spawn(String),
    #[error("ffprobe took longer than {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Unreadable(String),
}

/// Parses ffprobe's JSON output.
///
/// # Errors
/// [`ProbeError::Unreadable`] when it is not JSON or holds no audio or video stream.
pub fn parse(json: &[u8]) -> Result<MediaInfo, ProbeError> {
    let out: Output = serde_json::from_slice(json)
        .map_err(|e| ProbeError::Unreadable(format!("ffprobe printed unreadable JSON: {e}")))?;
    let format = out.format.unwrap_or_default();
    let number = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<f64>().ok());
    let mut info = MediaInfo {
        duration: number(&format.duration).filter(|d| d.is_finite() && *d >= 0.0),
        bit_rate: number(&format.bit_rate).map(|b| b as i64),
        title: format.tags.title.filter(|t| !t.trim().is_empty()),
        ..MediaInfo::default()
    };
    let language = |t: &Tags| t.language.clone().filter(|l| l != "und" && !l.is_empty());
    for s in out.streams {
        let codec = s.codec_name.clone().unwrap_or_else(|| "unknown".to_owned());
        match s.codec_type.as_deref() {
            Some("video") if s.disposition.attached_pic == 0 && info.video.is_none() => {
                let (Some(width), Some(height)) = (s.width, s.height) else {
                    continue;
                };
                info.video = Some(VideoStream {
                    codec,
                    profile: s.profile.clone(),
                    level: s.level.filter(|l| *l > 0),
                    width,
                    height,
                    bit_rate: number(&s.bit_rate).map(|b| b as i64),
                    frame_rate: frame_rate(s.avg_frame_rate.as_deref())
                        .or_else(|| frame_rate(s.r_frame_rate.as_deref())),
                    pixel_format: s.pix_fmt.clone(),
                });
            }
            Some("audio") => info.audio.push(AudioStream {
                index: s.index,
                codec,
                channels: s.channels,
                language: language(&s.tags),
                title: s.tags.title.clone(),
                default: s.disposition.default == 1,
            }),
            Some("subtitle") => info.subtitles.push(SubtitleStream {
                index: s.index,
                codec,
                language: language(&s.tags),
                title: s.tags.title.clone(),
                forced: s.disposition.forced == 1,
            }),
            _ => {}
        }
    }
    if info.video.is_none() && info.audio.is_empty() {
        return Err(ProbeError::Unreadable(
            "no audio or video stream found".to_owned(),
        ));
    }
    Ok(info)
}

fn frame_rate(s: Option<&str>) -> Option<f64> {
    let (n, d) = s?.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

/// The demuxers a library video is read with: containers of audio and video that
/// name no other file. Not among them: `hls`, `dash`, `concat` (and `ffconcat`),
/// `image2`, `vobsub` and every other format that reads a list of files or a pattern.
pub const MEDIA_FORMATS: &str =
    "matroska,mov,avi,mpegts,mpeg,mpegvideo,flv,asf,ogg,m4v,h264,hevc,rm,dv,mxf,nut,wtv";

/// The demuxers a sidecar subtitle file is read with: text subtitle formats.
pub const SUBTITLE_FORMATS: &str =
    "srt,ass,webvtt,microdvd,subviewer,subviewer1,sami,mpl2,vplayer,pjs,realtext,stl,jacosub,aqtitle";

/// The options that go just before `-i` of every library file given to ffprobe or
/// ffmpeg: the `file` protocol only, and only the demuxers `formats` lists.
pub fn input_guard(formats: &'static str) -> [&'static str; 4] {
    ["-protocol_whitelist", "file", "-format_whitelist", formats]
}

/// Readies `command` as background work of the library (thumbnails, resized artwork,
/// seek previews): no input, its errors kept, killed with its future, and run at
/// `nice` so that playback's ffmpeg and the server come first.
pub fn in_background(command: &mut Command, nice: i32) -> &mut Command {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // SAFETY: setpriority is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(move || {
            libc::setpriority(libc::PRIO_PROCESS, 0, nice);
            Ok(())
        });
    }
    command
}

/// What a file that is a text playlist or file list starts with (after white space).
const LIST_STARTS: [(&[u8], &str); 5] = [
    (b"#EXTM3U", "an HLS playlist"),
    (b"#EXTINF", "an M3U playlist"),
    (b"ffconcat", "an ffconcat list"),
    (b"file ", "a concat list"),
    (b"file\t", "a concat list"),
];

/// Whether the file's first bytes are a playlist or a list of files, by their text.
fn listing(head: &[u8]) -> Option<&'static str> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    LIST_STARTS
        .iter()
        .find(|(prefix, _)| {
            head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
        })
        .map(|(_, what)| *what)
}

/// Runs ffprobe on a library file opened beneath its root, reading it as media only
/// ([`input_guard`]) through the handed descriptor.
///
/// # Errors
/// [`ProbeError::Refused`] for a playlist or file list; otherwise [`ProbeError`] when
/// ffprobe is missing, too slow, or finds no media.
pub async fn probe(ffprobe: &Path, file: &MediaFile) -> Result<MediaInfo, ProbeError> {
    let mut head = [0u8; 64];
    let n = std::os::unix::fs::FileExt::read_at(&**file.file(), &mut head, 0).unwrap_or(0);
    if let Some(what) = listing(&head[..n]) {
        return Err(ProbeError::Refused(format!(
            "the file is {what}, which names other files, not media"
        )));
    }
    let mut command = Command::new(ffprobe);
    file.hand_to(&mut command);
    let child = command
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .args(input_guard(MEDIA_FORMATS))
        .args(["-i", MediaFile::INPUT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ProbeError::Spawn(e.to_string()))?;
    let out = tokio::time::timeout(PROBE_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| ProbeError::Timeout(PROBE_TIMEOUT))?
        .map_err(|e| ProbeError::Spawn(e.to_string()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let reason = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("ffprobe failed");
        // `[hls @ 0x...] Format not on whitelist 'matroska,...'`: a format that
        // reads other files, recognised by its content whatever the file is called.
        let refused_format = |l: &str| {
            let before = &l[..l.find("Format not on whitelist")?];
            let context = &before[before.rfind('[')? + 1..];
            Some(context.split_once(" @")?.0.to_owned())
        };
        if let Some(format) = stderr.lines().find_map(refused_format) {
            return Err(ProbeError::Refused(format!(
                "the file is in the {format} format, which names other files, not media"
            )));
        }
        // ffprobe prefixes messages with the file path; keep what follows.
        let reason = reason.rsplit_once(": ").map_or(reason, |(_, r)| r).trim();
        return Err(ProbeError::Unreadable(reason.to_owned()));
    }
    parse(&out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_streams_skipping_cover_art() {
        let json = br#"{
          "streams": [
            {"index": 0, "codec_type": "video", "codec_name": "mjpeg", "width": 600, "height": 600,
             "disposition": {"attached_pic": 1}},
            {"index": 1, "codec_type": "video", "codec_name": "hevc", "profile": "Main 10", "level": 120,
             "width": 3840, "height": 2160, "avg_frame_rate": "24000/1001", "pix_fmt": "yuv420p10le"},
            {"index": 2, "codec_type": "audio", "codec_name": "eac3", "channels": 6,
             "tags": {"language": "eng"}, "disposition": {"default": 1}},
            {"index": 3, "codec_type": "audio", "codec_name": "aac", "channels": 2, "tags": {"language": "und"}},
            {"index": 4, "codec_type": "subtitle", "codec_name": "subrip", "tags": {"language": "fra", "title": "Forced"},
             "disposition": {"forced": 1}}
          ],
          "format": {"duration": "5400.25", "bit_rate": "12000000", "tags": {"title": "A Film"}}
        }"#;
        let info = parse(json).unwrap();
        let v = info.video.unwrap();
        assert_eq!(
            (v.codec.as_str(), v.width, v.height, v.level),
            ("hevc", 3840, 2160, Some(120))
        );
        assert!((v.frame_rate.unwrap() - 23.976).abs() < 0.001);
        assert_eq!(info.duration, Some(5400.25));
        assert_eq!(info.bit_rate, Some(12_000_000));
        assert_eq!(info.title.as_deref(), Some("A Film"));
        assert_eq!(info.audio.len(), 2);
        assert_eq!(info.audio[0].language.as_deref(), Some("eng"));
        assert!(info.audio[0].default);
        assert_eq!(info.audio[1].language, None);
        assert!(info.subtitles[0].forced);
    }

    #[test]
    fn no_media_streams_is_an_error() {
        assert!(parse(br#"{"streams": [], "format": {}}"#).is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn playlists_and_file_lists_are_known_by_their_first_bytes() {
        assert_eq!(
            listing(b"#EXTM3U\n#EXTINF:2,\n/x.ts"),
            Some("an HLS playlist")
        );
        assert_eq!(listing(b"\xEF\xBB\xBF  #extm3u"), Some("an HLS playlist"));
        assert_eq!(
            listing(b"ffconcat version 1.0\nfile a.mkv"),
            Some("an ffconcat list")
        );
        assert_eq!(
            listing(b"\nfile '/srv/b/secret.mkv'\n"),
            Some("a concat list")
        );
        assert_eq!(listing(b"\x1aE\xdf\xa3 matroska"), None);
        assert_eq!(listing(b"\0\0\0 ftypisom"), None);
        assert_eq!(listing(b""), None);
    }
}
