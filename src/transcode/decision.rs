//! The playback decision: given what a client can play and what a file is, play it as
//! it is (`direct`), copy its video into a new container with compatible audio
//! (`remux`), or encode it again (`transcode`). Pure: no I/O, unit-tested below.

use crate::db::videos::VideoRow;
use crate::preferences::{DeviceType, Preferences};
use serde::{Deserialize, Serialize};

/// A video codec a client decodes, up to a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodecLimit {
    /// ffprobe's codec name: `h264`, `hevc`, `vp9`, `av1`, `mpeg4`.
    pub codec: String,
    /// The highest level, in ffprobe's numbers (H.264 4.1 is 41, HEVC 5.1 is 153);
    /// `None` accepts every level.
    pub max_level: Option<i32>,
}

/// What a client can play.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Containers by file extension: `mp4`, `mkv`, `webm`, ...
    pub containers: Vec<String>,
    pub video_codecs: Vec<CodecLimit>,
    /// ffprobe's audio codec names: `aac`, `mp3`, `opus`, `ac3`, ...
    pub audio_codecs: Vec<String>,
    /// The tallest picture the client should get.
    pub max_height: Option<u32>,
    /// The most bandwidth the client should use, kilobits per second.
    pub max_bitrate_kbps: Option<u32>,
}

/// Named client families whose capabilities are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Chrome, Firefox, Edge and Safari on a desktop.
    Browser,
    /// iPhone and iPad (Safari, AVPlayer).
    Ios,
    /// Android phones (ExoPlayer, Chrome).
    Android,
    /// Smart TVs and set-top boxes.
    Tv,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn codecs(items: &[(&str, Option<i32>)]) -> Vec<CodecLimit> {
    items
        .iter()
        .map(|(codec, max_level)| CodecLimit {
            codec: (*codec).to_owned(),
            max_level: *max_level,
        })
        .collect()
}

impl Preset {
    /// The capabilities of this family, as its common players have them.
    pub fn capabilities(self) -> Capabilities {
        match self {
            Self::Browser => Capabilities {
                containers: strings(&["mp4", "m4v", "webm"]),
                video_codecs: codecs(&[("h264", Some(52)), ("vp9", None), ("av1", None)]),
                audio_codecs: strings(&["aac", "mp3", "opus", "vorbis", "flac"]),
                max_height: None,
                max_bitrate_kbps: None,
            },
            Self::Ios => Capabilities {
                containers: strings(&["mp4", "m4v", "mov"]),
                video_codecs: codecs(&[("h264", Some(52)), ("hevc", Some(153))]),
                audio_codecs: strings(&["aac", "mp3", "ac3", "eac3", "alac", "flac"]),
                max_height: None,
                max_bitrate_kbps: None,
            },
            Self::Android => Capabilities {
                containers: strings(&["mp4", "m4v", "webm", "mkv"]),
                video_codecs: codecs(&[("h264", Some(42)), ("vp9", None)]),
                audio_codecs: strings(&["aac", "mp3", "opus", "vorbis", "flac"]),
                max_height: Some(1080),
                max_bitrate_kbps: None,
            },
            Self::Tv => Capabilities {
                containers: strings(&["mp4", "m4v", "mkv", "mov", "ts"]),
                video_codecs: codecs(&[("h264", Some(52)), ("hevc", Some(153))]),
                audio_codecs: strings(&["aac", "mp3", "ac3", "eac3"]),
                max_height: Some(2160),
                max_bitrate_kbps: None,
            },
        }
    }
}

/// What the decision needs to know of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMedia {
    /// The container, as the file's extension.
    pub container: String,
    pub video_codec: Option<String>,
    pub video_level: Option<i32>,
    pub height: Option<u32>,
    /// Bits per second of the whole file.
    pub bit_rate: Option<u64>,
    /// The audio stream that plays (the default one, else the first).
    pub audio_codec: Option<String>,
}

/// How a video will be played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The file as it is, with range requests.
    Direct,
    /// The video stream copied into fragmented MP4, the audio made AAC if needed.
    Remux,
    /// Encoded again to H.264/AAC HLS.
    Transcode,
}

/// The outcome, with the reasons a client can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub method: Method,
    /// Why the file cannot play directly; empty for `direct`.
    pub reasons: Vec<String>,
    /// The tallest picture a transcode should make.
    pub max_height: Option<u32>,
    /// The bandwidth a transcode should stay within, kilobits per second.
    pub max_bitrate_kbps: Option<u32>,
}

/// The tighter of two optional limits.
fn tighter(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Merges a user's preferences (a quality's height, a bandwidth cap) into a client's
/// capabilities: the tighter limit wins.
pub fn with_preferences(
    mut caps: Capabilities,
    max_height: Option<u32>,
    max_bitrate_kbps: Option<u32>,
) -> Capabilities {
    caps.max_height = tighter(caps.max_height, max_height);
    caps.max_bitrate_kbps = tighter(caps.max_bitrate_kbps, max_bitrate_kbps);
    caps
}

fn has(list: &[String], item: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(item))
}

/// Decides how `source` plays on a client with `caps`.
pub fn decide(source: &SourceMedia, caps: &Capabilities) -> Decision {
    let mut video_reasons = Vec::new();
    if let Some(codec) = &source.video_codec {
        match caps
            .video_codecs
            .iter()
            .find(|c| c.codec.eq_ignore_ascii_case(codec))
        {
            None => video_reasons.push(format!("video codec {codec} not supported")),
            Some(limit) => {
                if let (Some(max), Some(level)) = (limit.max_level, source.video_level) {
                    if level > max {
                        video_reasons.push(format!("{codec} level {level} above {max}"));
                    }
                }
            }
        }
    }
    if let (Some(h), Some(max)) = (source.height, caps.max_height) {
        if h > max {
            video_reasons.push(format!("height {h} above {max}"));
        }
    }
    if let (Some(rate), Some(max)) = (source.bit_rate, caps.max_bitrate_kbps) {
        let kbps = rate.div_ceil(1000);
        if kbps > u64::from(max) {
            video_reasons.push(format!("bit rate {kbps} kbps above {max} kbps"));
        }
    }
    let mut container_reasons = Vec::new();
    if !has(&caps.containers, &source.container) {
        container_reasons.push(format!("container {} not supported", source.container));
    }
    if let Some(audio) = &source.audio_codec {
        if !has(&caps.audio_codecs, audio) {
            container_reasons.push(format!("audio codec {audio} not supported"));
        }
    }
    let method = if !video_reasons.is_empty() {
        Method::Transcode
    } else if container_reasons.is_empty() {
        Method::Direct
    } else if has(&caps.containers, "mp4") {
        Method::Remux
    } else {
        video_reasons.push("the client takes no MP4 to remux into".to_owned());
        Method::Transcode
    };
    let mut reasons = video_reasons;
    reasons.extend(container_reasons);
    Decision {
        method,
        reasons,
        max_height: caps.max_height,
        max_bitrate_kbps: caps.max_bitrate_kbps,
    }
}

/// What a client asked for: a preset and/or its own lists, each list replacing the
/// preset's.
#[derive(Debug, Clone, Default)]
pub struct ClientAsk {
    pub preset: Option<Preset>,
    pub containers: Option<Vec<String>>,
    pub video_codecs: Option<Vec<CodecLimit>>,
    pub audio_codecs: Option<Vec<String>>,
    pub max_height: Option<u32>,
    pub max_bitrate_kbps: Option<u32>,
}

/// The preset of a device type when a client names none (`ua` tells an iPhone from
/// other phones).
pub fn preset_for(device: DeviceType, user_agent: &str) -> Preset {
    let ua = user_agent.to_ascii_lowercase();
    match device {
        DeviceType::Tv => Preset::Tv,
        DeviceType::Mobile if ua.contains("iphone") || ua.contains("ipad") => Preset::Ios,
        DeviceType::Mobile => Preset::Android,
        DeviceType::Desktop => Preset::Browser,
    }
}

/// The capabilities of `ask`: its preset, else the device's preset when it gave no
/// lists either; then its lists and limits over them.
pub fn capabilities(ask: ClientAsk, device: Preset) -> Capabilities {
    let lists_given =
        ask.containers.is_some() || ask.video_codecs.is_some() || ask.audio_codecs.is_some();
    let mut caps = match ask.preset {
        Some(p) => p.capabilities(),
        None if lists_given => Capabilities::default(),
        None => device.capabilities(),
    };
    if let Some(c) = ask.containers {
        caps.containers = c;
    }
    if let Some(v) = ask.video_codecs {
        caps.video_codecs = v;
    }
    if let Some(a) = ask.audio_codecs {
        caps.audio_codecs = a;
    }
    caps.max_height = ask.max_height.or(caps.max_height);
    caps.max_bitrate_kbps = ask.max_bitrate_kbps.or(caps.max_bitrate_kbps);
    caps
}

/// The whole decision for one video: the client's ask (or the session's device type's
/// preset), tightened by the user's preferences, against the stream that would play.
pub fn decide_for(
    video: &VideoRow,
    ask: ClientAsk,
    prefs: &Preferences,
    device: DeviceType,
    user_agent: &str,
) -> Decision {
    let caps = capabilities(ask, preset_for(device, user_agent));
    let caps = with_preferences(caps, prefs.quality.max_height(), prefs.max_bandwidth_kbps);
    let source = SourceMedia {
        container: video.format.clone(),
        video_codec: video.video_codec.clone(),
        video_level: video.video_level,
        height: video.height_px(),
        bit_rate: video.bit_rate.and_then(|b| u64::try_from(b).ok()),
        audio_codec: super::tracks::audio(video, prefs.audio_language.as_deref()).map(|a| a.codec),
    };
    decide(&source, &caps)
}

/// Of the versions of one film (the same part in several files), the one to play and
/// its decision: the one that plays with the least work (direct, then remux, then
/// transcode), then the tallest picture within the limits, then the first given.
///
/// # Panics
/// Never: an empty list is answered with `None`.
pub fn best_version<'v>(
    versions: &[&'v VideoRow],
    ask: &ClientAsk,
    prefs: &Preferences,
    device: DeviceType,
    user_agent: &str,
) -> Option<(&'v VideoRow, Decision)> {
    let work = |m: Method| match m {
        Method::Direct => 0,
        Method::Remux => 1,
        Method::Transcode => 2,
    };
    versions
        .iter()
        .map(|v| (*v, decide_for(v, ask.clone(), prefs, device, user_agent)))
        .enumerate()
        .min_by_key(|(i, (v, d))| {
            let height = v.height_px().unwrap_or(0);
            let fits = d.max_height.is_none_or(|m| height <= m);
            (work(d.method), !fits, std::cmp::Reverse(height), *i)
        })
        .map(|(_, chosen)| chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(container: &str, video: &str, level: i32, height: u32, audio: &str) -> SourceMedia {
        SourceMedia {
            container: container.to_owned(),
            video_codec: Some(video.to_owned()),
            video_level: Some(level),
            height: Some(height),
            bit_rate: Some(8_000_000),
            audio_codec: Some(audio.to_owned()),
        }
    }

    #[test]
    fn the_decision_follows_the_table_of_sources_and_clients() {
        use Method::*;
        let browser = Preset::Browser.capabilities();
        let ios = Preset::Ios.capabilities();
        let android = Preset::Android.capabilities();
        let tv = Preset::Tv.capabilities();
        let cases: Vec<(SourceMedia, &Capabilities, Method, Vec<&str>)> = vec![
            (
                source("mp4", "h264", 41, 1080, "aac"),
                &browser,
                Direct,
                vec![],
            ),
            (
                source("webm", "vp9", 0, 1080, "opus"),
                &browser,
                Direct,
                vec![],
            ),
            (
                source("mkv", "h264", 41, 1080, "aac"),
                &browser,
                Remux,
                vec!["container mkv not supported"],
            ),
            (
                source("mp4", "h264", 41, 1080, "ac3"),
                &browser,
                Remux,
                vec!["audio codec ac3 not supported"],
            ),
            (
                source("mkv", "hevc", 120, 2160, "ac3"),
                &browser,
                Transcode,
                vec![
                    "video codec hevc not supported",
                    "container mkv not supported",
                    "audio codec ac3 not supported",
                ],
            ),
            (source("mkv", "hevc", 120, 2160, "ac3"), &tv, Direct, vec![]),
            (
                source("mkv", "hevc", 120, 2160, "ac3"),
                &ios,
                Remux,
                vec!["container mkv not supported"],
            ),
            (
                source("mp4", "h264", 51, 2160, "aac"),
                &android,
                Transcode,
                vec!["h264 level 51 above 42", "height 2160 above 1080"],
            ),
            (
                source("avi", "mpeg4", 5, 480, "mp3"),
                &tv,
                Transcode,
                vec![
                    "video codec mpeg4 not supported",
                    "container avi not supported",
                ],
            ),
        ];
        for (src, caps, method, reasons) in cases {
            let d = decide(&src, caps);
            assert_eq!(d.method, method, "{src:?}");
            assert_eq!(d.reasons, reasons, "{src:?}");
        }
    }

    #[test]
    fn preferences_tighten_the_client_and_can_force_a_transcode() {
        let caps = with_preferences(Preset::Browser.capabilities(), Some(720), Some(4000));
        assert_eq!(caps.max_height, Some(720));
        let d = decide(&source("mp4", "h264", 41, 1080, "aac"), &caps);
        assert_eq!(d.method, Method::Transcode);
        assert_eq!(
            d.reasons,
            vec![
                "height 1080 above 720",
                "bit rate 8000 kbps above 4000 kbps"
            ]
        );
        assert_eq!((d.max_height, d.max_bitrate_kbps), (Some(720), Some(4000)));
        let loose = with_preferences(Preset::Android.capabilities(), Some(2160), None);
        assert_eq!(loose.max_height, Some(1080), "the client's own limit stays");
    }

    #[test]
    fn a_client_without_mp4_gets_a_transcode_instead_of_a_remux() {
        let caps = Capabilities {
            containers: vec!["webm".into()],
            video_codecs: codecs(&[("h264", None)]),
            audio_codecs: vec!["opus".into()],
            ..Capabilities::default()
        };
        let d = decide(&source("mkv", "h264", 40, 720, "aac"), &caps);
        assert_eq!(d.method, Method::Transcode);
    }
}
