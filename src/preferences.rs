//! A user's streaming preferences: stored on the user, copied into each new session,
//! and read by the playback decision. Also how a device type is guessed from a
//! `User-Agent` when a client does not say.

use serde::{Deserialize, Serialize};

/// The highest quality to play; `auto` lets the playback decision choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quality {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "480p")]
    P480,
    #[serde(rename = "720p")]
    P720,
    #[serde(rename = "1080p")]
    P1080,
}

impl Quality {
    /// The largest picture height this quality allows; `None` for `auto`.
    pub fn max_height(self) -> Option<u32> {
        match self {
            Self::Auto => None,
            Self::P480 => Some(480),
            Self::P720 => Some(720),
            Self::P1080 => Some(1080),
        }
    }
}

/// The kind of device a session plays on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceType {
    #[default]
    Desktop,
    Mobile,
    Tv,
}

impl DeviceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Mobile => "mobile",
            Self::Tv => "tv",
        }
    }

    /// A guess from a `User-Agent` header: TVs and phones announce themselves.
    pub fn from_user_agent(ua: &str) -> Option<Self> {
        let ua = ua.to_ascii_lowercase();
        let tv = [
            "smart-tv",
            "smarttv",
            "tizen",
            "webos",
            "web0s",
            "appletv",
            "roku",
            "; aft",
            "bravia",
            "hbbtv",
            "crkey",
            "android tv",
            "googletv",
        ];
        let mobile = ["mobile", "iphone", "ipad", "android"];
        if tv.iter().any(|t| ua.contains(t)) {
            Some(Self::Tv)
        } else if mobile.iter().any(|m| ua.contains(m)) {
            Some(Self::Mobile)
        } else if ua.is_empty() {
            None
        } else {
            Some(Self::Desktop)
        }
    }
}

/// How a user likes to watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// The highest quality to play.
    pub quality: Quality,
    /// The most bandwidth to use, in kilobits per second (64 to 1,000,000); absent
    /// means no limit.
    pub max_bandwidth_kbps: Option<u32>,
    /// The device this user mostly watches on; a session's own device type wins.
    pub device_type: DeviceType,
    /// Preferred audio language, ISO 639 (`en`, `eng`, `fra`).
    pub audio_language: Option<String>,
    /// Subtitle language, ISO 639; absent means no subtitles.
    pub subtitle_language: Option<String>,
}

impl Preferences {
    /// Reads stored preferences; anything unreadable falls back to the defaults.
    pub fn from_stored(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_types_are_guessed_from_user_agents() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                Some(DeviceType::Desktop),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile",
                Some(DeviceType::Mobile),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile",
                Some(DeviceType::Mobile),
            ),
            (
                "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0)",
                Some(DeviceType::Tv),
            ),
            ("Mozilla/5.0 (Web0S; Linux/SmartTV)", Some(DeviceType::Tv)),
            ("VLC/3.0.20 LibVLC/3.0.20", Some(DeviceType::Desktop)),
            ("", None),
        ];
        for (ua, want) in cases {
            assert_eq!(DeviceType::from_user_agent(ua), want, "{ua}");
        }
    }

    #[test]
    fn stored_preferences_round_trip_and_bad_ones_fall_back() {
        let p = Preferences {
            quality: Quality::P720,
            max_bandwidth_kbps: Some(4000),
            device_type: DeviceType::Tv,
            audio_language: Some("fra".into()),
            subtitle_language: None,
        };
        let stored = serde_json::to_value(&p).unwrap();
        assert_eq!(stored["quality"], "720p");
        assert_eq!(Preferences::from_stored(&stored), p);
        let junk = serde_json::json!({"quality": "8k"});
        assert_eq!(Preferences::from_stored(&junk), Preferences::default());
        assert_eq!(Quality::P480.max_height(), Some(480));
    }
}
