//! The text subtitle tracks of a video: its text subtitle streams (`e{index}`) and the
//! subtitle files beside it (`s{n}`), as the scanner recorded them.

use super::error::TranscodeError;
use super::hls::SubtitleRendition;
use crate::db::videos::VideoRow;
use crate::library::probe::SubtitleStream;
use crate::library::walk::Sidecar;

/// Subtitle codecs ffmpeg turns into WebVTT (bitmap ones, PGS and DVD, it cannot).
const TEXT_CODECS: [&str; 6] = ["subrip", "ass", "ssa", "webvtt", "mov_text", "text"];
/// Subtitle file formats ffmpeg reads.
const TEXT_FILES: [&str; 4] = ["srt", "vtt", "ass", "ssa"];

/// One text subtitle track a player can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTrack {
    /// The id in subtitle URLs: `e3` for stream 3 of the file, `s0` for its first
    /// subtitle file.
    pub id: String,
    /// ISO 639 language, when known.
    pub language: Option<String>,
    /// A name to show: the stream's title, the language, or the file name.
    pub label: String,
    pub forced: bool,
    /// `embedded` or `sidecar`.
    pub source: String,
    /// The WebVTT, as a path on this server (add a signed link's `?token=` for players).
    pub url: String,
    stream: Option<i32>,
    file: Option<String>,
}

/// Every text subtitle track of `video`, embedded ones first.
pub fn text_tracks(video: &VideoRow) -> Vec<TextTrack> {
    let url = |id: &str| format!("/api/hls/{}/subtitles/{id}/subtitles.vtt", video.id);
    let embedded: Vec<SubtitleStream> = video.metadata_list("subtitles");
    let sidecars: Vec<Sidecar> = video.metadata_list("sidecars");
    let mut out: Vec<TextTrack> = embedded
        .into_iter()
        .filter(|s| TEXT_CODECS.contains(&s.codec.as_str()))
        .map(|s| {
            let id = format!("e{}", s.index);
            TextTrack {
                url: url(&id),
                label: s
                    .title
                    .clone()
                    .or_else(|| s.language.clone())
                    .unwrap_or_else(|| format!("Track {}", s.index)),
                language: s.language,
                forced: s.forced,
                source: "embedded".to_owned(),
                stream: Some(s.index),
                file: None,
                id,
            }
        })
        .collect();
    out.extend(
        sidecars
            .into_iter()
            .enumerate()
            .filter(|(_, s)| TEXT_FILES.contains(&s.format.as_str()))
            .map(|(n, s)| {
                let id = format!("s{n}");
                TextTrack {
                    url: url(&id),
                    label: s.language.clone().unwrap_or_else(|| s.file.clone()),
                    language: s.language,
                    forced: s.forced,
                    source: "sidecar".to_owned(),
                    stream: None,
                    file: Some(s.file),
                    id,
                }
            }),
    );
    out
}

/// The track `id` of `video`.
///
/// # Errors
/// [`TranscodeError::NotFound`] when the video has no such text track.
pub fn find(video: &VideoRow, id: &str) -> Result<TextTrack, TranscodeError> {
    text_tracks(video)
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| TranscodeError::NotFound(format!("this video has no text track {id}")))
}

impl TextTrack {
    /// The subtitle file beside the video this track reads, if it is one (else it is
    /// the video's stream [`Self::stream`]).
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The video's stream this track reads, when it is not a file.
    pub fn stream(&self) -> Option<i32> {
        self.stream
    }

    /// The rendition in an HLS master playlist.
    pub fn rendition(self) -> SubtitleRendition {
        SubtitleRendition {
            track: self.id,
            name: self.label,
            language: self.language,
            forced: self.forced,
        }
    }
}

/// WebVTT as HLS players want it beside MPEG-TS segments: an `X-TIMESTAMP-MAP` saying
/// that cue time 0 is the segments' first timestamp (the source's start shifted by
/// [`super::encode::HLS_TS_OFFSET_SECONDS`]). Browsers playing the file directly ignore
/// the line.
pub fn with_timestamp_map(vtt: &[u8]) -> Vec<u8> {
    let mpegts = u64::from(super::encode::HLS_TS_OFFSET_SECONDS) * 90_000;
    let map = format!("X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000");
    let text = String::from_utf8_lossy(vtt);
    if text.contains("X-TIMESTAMP-MAP") {
        return vtt.to_vec();
    }
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    format!("{}\n{map}\n{rest}", first.trim_end_matches('\r')).into_bytes()
}

/// WebVTT (as ffmpeg writes it) as SubRip, which DLNA TVs read: numbered cues, times
/// as `00:01:02,500`, no header, no cue settings.
pub fn srt_from_webvtt(vtt: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for block in vtt.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = block.lines().collect();
        let Some(at) = lines.iter().position(|l| l.contains("-->")) else {
            continue;
        };
        let mut times = lines[at].split("-->");
        let (Some(from), Some(to)) = (times.next(), times.next()) else {
            continue;
        };
        let to = to.split_whitespace().next().unwrap_or_default();
        let (Some(from), Some(to)) = (srt_time(from.trim()), srt_time(to)) else {
            continue;
        };
        n += 1;
        out.push_str(&format!("{n}\n{from} --> {to}\n"));
        for text in &lines[at + 1..] {
            out.push_str(text);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// `01:02.500` or `00:01:02.500` as `00:01:02,500`.
fn srt_time(t: &str) -> Option<String> {
    let (clock, ms) = t.split_once('.')?;
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [m, s] => ("0", *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let (h, m, s, ms): (u32, u32, u32, u32) = (
        h.parse().ok()?,
        m.parse().ok()?,
        s.parse().ok()?,
        ms.parse().ok()?,
    );
    Some(format!("{h:02}:{m:02}:{s:02},{ms:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webvtt_becomes_subrip() {
        let vtt = "WEBVTT\n\n00:00.500 --> 00:02.000 align:start\nHello\n<i>there</i>\n\n\
                   01:00:01.250 --> 01:00:03.000\nBye\n";
        assert_eq!(
            srt_from_webvtt(vtt),
            "1\n00:00:00,500 --> 00:00:02,000\nHello\n<i>there</i>\n\n\
             2\n01:00:01,250 --> 01:00:03,000\nBye\n\n"
        );
        assert_eq!(srt_from_webvtt("WEBVTT\n\nnot a cue\n"), "");
    }

    #[test]
    fn hls_webvtt_maps_cue_time_zero_to_the_segments_first_timestamp() {
        let vtt = b"WEBVTT\n\n00:00.500 --> 00:02.000\nHello\n";
        let mapped = String::from_utf8(with_timestamp_map(vtt)).unwrap();
        assert_eq!(
            mapped,
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:00.500 --> 00:02.000\nHello\n"
        );
        assert_eq!(with_timestamp_map(mapped.as_bytes()), mapped.as_bytes());
    }
}
