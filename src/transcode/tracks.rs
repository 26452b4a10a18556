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
                .is_some_and(|l| same_language(l, wanted))
        })
    });
    in_language
        .or_else(|| streams.iter().find(|a| a.default))
        .or(streams.first())
        .cloned()
}

/// Two-letter (ISO 639-1) and three-letter (ISO 639-2, bibliographic and terminology)
/// codes of the languages most often tagged in video files.
const LANGUAGES: [&[&str]; 26] = [
    &["en", "eng"],
    &["fr", "fra", "fre"],
    &["de", "deu", "ger"],
    &["es", "spa"],
    &["it", "ita"],
    &["pt", "por"],
    &["nl", "nld", "dut"],
    &["ja", "jpn"],
    &["zh", "zho", "chi"],
    &["ko", "kor"],
    &["ru", "rus"],
    &["sv", "swe"],
    &["no", "nor"],
    &["da", "dan"],
    &["fi", "fin"],
    &["pl", "pol"],
    &["ar", "ara"],
    &["hi", "hin"],
    &["tr", "tur"],
    &["cs", "ces", "cze"],
    &["el", "ell", "gre"],
    &["he", "heb"],
    &["hu", "hun"],
    &["uk", "ukr"],
    &["ro", "ron", "rum"],
    &["th", "tha"],
];

/// Whether two ISO 639 codes name the same language (`en`, `eng`; `fre`, `fra`).
pub fn same_language(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b
        || LANGUAGES
            .iter()
            .any(|codes| codes.contains(&a.as_str()) && codes.contains(&b.as_str()))
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
        assert_eq!(pick(two.clone(), Some("fr")).unwrap().index, 1);
        assert_eq!(pick(two.clone(), Some("fre")).unwrap().index, 1);
        assert_eq!(pick(two, Some("deu")).unwrap().index, 2);
        assert!(same_language("EN", "eng") && !same_language("en", "fra"));
        assert_eq!(audio_map(Some(2)), "0:2");
        assert_eq!(audio_map(None), "0:a:0?");
        let plain = streams(serde_json::json!([
            { "index": 3, "codec": "mp3", "channels": 2, "language": null, "title": null, "default": false },
        ]));
        assert_eq!(pick(plain, None).unwrap().index, 3);
        assert!(pick(Vec::new(), None).is_none());
    }
}
