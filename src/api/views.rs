//! The wire forms of what the services return and take, shared by several resources:
//! the document's schemas, kept apart from the services' own types (as crates.io keeps
//! its `Encodable*` views) so a service changes without changing the contract by
//! accident, and the contract without reaching into a service. A resource's own shapes
//! live beside its handlers.

use crate::api::text::Text;
use crate::{accounts, auth, library, preferences, transcode, watching};
use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

/// Each of a service's values in its wire form.
pub fn each<T, W: From<T>>(values: Vec<T>) -> Vec<W> {
    values.into_iter().map(W::from).collect()
}

/// A wire enum that mirrors a service's enum variant for variant, converted both ways.
macro_rules! mirror {
    ($wire:ident <=> $service:path { $($variant:ident),* $(,)? }) => {
        impl From<$wire> for $service {
            fn from(v: $wire) -> Self {
                match v {
                    $($wire::$variant => Self::$variant,)*
                }
            }
        }

        impl From<$service> for $wire {
            fn from(v: $service) -> Self {
                use $service as S;
                match v {
                    $(S::$variant => Self::$variant,)*
                }
            }
        }
    };
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Role {
    /// Watches what others share; cannot change anything shared.
    Guest,
    /// Watches, keeps progress, playlists and preferences.
    User,
    /// Everything, including managing users and libraries.
    Admin,
}
mirror!(Role <=> auth::Role { Guest, User, Admin });

/// The highest quality to play; `auto` lets the playback decision choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
pub enum Quality {
    #[default]
    #[oai(rename = "auto")]
    Auto,
    #[oai(rename = "480p")]
    P480,
    #[oai(rename = "720p")]
    P720,
    #[oai(rename = "1080p")]
    P1080,
}
mirror!(Quality <=> preferences::Quality { Auto, P480, P720, P1080 });

/// The kind of device a session plays on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DeviceType {
    #[default]
    Desktop,
    Mobile,
    Tv,
}
mirror!(DeviceType <=> preferences::DeviceType { Desktop, Mobile, Tv });

/// What a player reporting progress is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PlayerState {
    #[default]
    Playing,
    Paused,
    Stopped,
}
mirror!(PlayerState <=> watching::PlayerState { Playing, Paused, Stopped });

/// What a catalog entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum VideoKind {
    /// Not classified yet (stored before this release, until the next scan).
    Video,
    /// An episode (or several, in one file) of a series.
    Episode,
    /// A film, or one part or version of it.
    Film,
}
mirror!(VideoKind <=> crate::db::videos::VideoKind { Video, Episode, Film });

/// How a user likes to watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Object)]
#[oai(deny_unknown_fields)]
pub struct Preferences {
    /// The highest quality to play.
    #[oai(default)]
    pub quality: Quality,
    /// The most bandwidth to use, in kilobits per second (64 to 1,000,000); absent
    /// means no limit.
    #[oai(validator(minimum(value = "64"), maximum(value = "1000000")))]
    pub max_bandwidth_kbps: Option<u32>,
    /// The device this user mostly watches on; a session's own device type wins.
    #[oai(default)]
    pub device_type: DeviceType,
    /// Preferred audio language, ISO 639 (`en`, `eng`, `fra`).
    #[oai(validator(pattern = "^[a-z]{2,3}$"))]
    pub audio_language: Option<Text>,
    /// Subtitle language, ISO 639; absent means no subtitles.
    #[oai(validator(pattern = "^[a-z]{2,3}$"))]
    pub subtitle_language: Option<Text>,
}

impl From<preferences::Preferences> for Preferences {
    fn from(p: preferences::Preferences) -> Self {
        Self {
            quality: p.quality.into(),
            max_bandwidth_kbps: p.max_bandwidth_kbps,
            device_type: p.device_type.into(),
            audio_language: p.audio_language.map(Text),
            subtitle_language: p.subtitle_language.map(Text),
        }
    }
}

impl From<Preferences> for preferences::Preferences {
    fn from(p: Preferences) -> Self {
        Self {
            quality: p.quality.into(),
            max_bandwidth_kbps: p.max_bandwidth_kbps,
            device_type: p.device_type.into(),
            audio_language: p.audio_language.map(Text::into_string),
            subtitle_language: p.subtitle_language.map(Text::into_string),
        }
    }
}

/// An account as shown to clients (never with its password hash).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    /// Optional contact address.
    pub email: Option<String>,
    pub role: Role,
    /// An inactive account cannot log in.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    /// The libraries this account sees, by name; absent: every library.
    pub libraries: Option<Vec<String>>,
}

impl From<accounts::Account> for Account {
    fn from(a: accounts::Account) -> Self {
        Self {
            id: a.id,
            username: a.username,
            email: a.email,
            role: a.role.into(),
            is_active: a.is_active,
            created_at: a.created_at,
            last_login: a.last_login,
            libraries: a.libraries,
        }
    }
}

/// Where a scan is, or how the last one ended.
#[derive(Debug, Clone, Default, PartialEq, Object)]
pub struct ScanProgress {
    pub running: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds since the scan started (to its end once finished).
    pub elapsed_seconds: f64,
    /// The library being scanned now.
    pub current_library: Option<String>,
    /// Media files found.
    pub seen: u64,
    /// Files probed (new or changed): MP4 and Matroska in process, others with ffprobe.
    pub probed: u64,
    /// Unchanged files that needed no probe.
    pub skipped: u64,
    /// Files that could not be read as media.
    pub failed: u64,
    /// Files recognised at a new path.
    pub moved: u64,
    /// Files gone from disk, now out of the catalog.
    pub missing: u64,
    /// Libraries that could not be read.
    pub errors: Vec<String>,
    /// Seconds from the start until every file found was in the catalog; thumbnails
    /// are made after that (the scan runs on until they are).
    pub catalogued_seconds: Option<f64>,
    /// Thumbnails still to make.
    pub thumbnails_pending: u64,
}

impl From<library::ScanProgress> for ScanProgress {
    fn from(p: library::ScanProgress) -> Self {
        Self {
            running: p.running,
            started_at: p.started_at,
            finished_at: p.finished_at,
            elapsed_seconds: p.elapsed_seconds,
            current_library: p.current_library,
            seen: p.seen,
            probed: p.probed,
            skipped: p.skipped,
            failed: p.failed,
            moved: p.moved,
            missing: p.missing,
            errors: p.errors,
            catalogued_seconds: p.catalogued_seconds,
            thumbnails_pending: p.thumbnails_pending,
        }
    }
}

/// One audio stream.
#[derive(Debug, Clone, PartialEq, Object)]
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

impl From<library::probe::AudioStream> for AudioStream {
    fn from(s: library::probe::AudioStream) -> Self {
        Self {
            index: s.index,
            codec: s.codec,
            channels: s.channels,
            language: s.language,
            title: s.title,
            default: s.default,
        }
    }
}

/// One embedded subtitle stream.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct SubtitleStream {
    /// The stream's index in the file.
    pub index: i32,
    pub codec: String,
    pub language: Option<String>,
    pub title: Option<String>,
    pub forced: bool,
}

impl From<library::probe::SubtitleStream> for SubtitleStream {
    fn from(s: library::probe::SubtitleStream) -> Self {
        Self {
            index: s.index,
            codec: s.codec,
            language: s.language,
            title: s.title,
            forced: s.forced,
        }
    }
}

/// A subtitle file next to a video (`Film.srt`, `Film.en.srt`, `Film.fra.forced.ass`).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Sidecar {
    /// The file name, in the video's folder.
    pub file: String,
    /// `srt`, `vtt`, `ass`, `ssa` or `sub`.
    pub format: String,
    /// The language tag between the video's name and the extension, if any.
    pub language: Option<String>,
    pub forced: bool,
}

impl From<library::walk::Sidecar> for Sidecar {
    fn from(s: library::walk::Sidecar) -> Self {
        Self {
            file: s.file,
            format: s.format,
            language: s.language,
            forced: s.forced,
        }
    }
}

/// One text subtitle track a player can pick.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
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
}

impl From<transcode::subtitles::TextTrack> for TextTrack {
    fn from(t: transcode::subtitles::TextTrack) -> Self {
        Self {
            id: t.id,
            language: t.language,
            label: t.label,
            forced: t.forced,
            source: t.source,
            url: t.url,
        }
    }
}
