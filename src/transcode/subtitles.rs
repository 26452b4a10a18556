//! The text subtitle tracks of a video: its text subtitle streams (`e{index}`) and the
//! subtitle files beside it (`s{n}`), as the scanner recorded them.

use super::hls::SubtitleRendition;
use super::TranscodeError;
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

#[cfg(test)]
mod tests {
    use super::*;

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
