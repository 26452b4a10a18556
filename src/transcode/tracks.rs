//! Which of a file's streams are played. One choice of audio stream serves the
//! playback decision (which codec the client must play), the remux copy and the ffmpeg
//! `-map`, so all three always mean the same stream.

use crate::db::videos::VideoRow;
use crate::library::probe::AudioStream;

/// The audio stream to play: the first in `language` (ISO 639, compared without case)
/// when one is given and present, else the one flagged default, else the first.
pub fn audio(video: &VideoRow, language: Option<&str>) -> Option<AudioStream> {
    pick(video.metadata_list("audio"), language)
}

fn pick(streams: Vec<AudioStream>, language: Option<&str>) -> Option<AudioStream> {
    let in_language = language.and_then(|wanted| {
        streams.iter().find(|a| {
            a.language
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(wanted))
        })
    });
    in_language
        .or_else(|| streams.iter().find(|a| a.default))
        .or(streams.first())
        .cloned()
}

/// ffmpeg's `-map` for `audio` (its index in the file), or the first audio stream if
/// any when none was chosen.
pub fn audio_map(audio: Option<i32>) -> String {
    audio.map_or_else(|| "0:a:0?".to_owned(), |index| format!("0:{index}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(audio: serde_json::Value) -> Vec<AudioStream> {
        serde_json::from_value(audio).unwrap()
    }

    #[test]
    fn the_default_stream_wins_over_the_first_and_a_language_over_both() {
        let two = streams(serde_json::json!([
            { "index": 1, "codec": "ac3", "channels": 6, "language": "fra", "title": null, "default": false },
            { "index": 2, "codec": "aac", "channels": 2, "language": "eng", "title": null, "default": true },
        ]));
        assert_eq!(pick(two.clone(), None).unwrap().index, 2);
        assert_eq!(pick(two.clone(), Some("FRA")).unwrap().index, 1);
        assert_eq!(pick(two, Some("deu")).unwrap().index, 2);
        assert_eq!(audio_map(Some(2)), "0:2");
        assert_eq!(audio_map(None), "0:a:0?");
        let plain = streams(serde_json::json!([
            { "index": 3, "codec": "mp3", "channels": 2, "language": null, "title": null, "default": false },
        ]));
        assert_eq!(pick(plain, None).unwrap().index, 3);
        assert!(pick(Vec::new(), None).is_none());
    }
}
