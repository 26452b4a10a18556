//! Typed settings and where they come from.
//!
//! [`Settings`] is the whole configuration; its `Default` is the built-in layer, and
//! `config/default.toml` repeats it key by key with a comment on each (a test keeps the
//! two equal). [`load`] layers the sources with figment; it is the one place in the
//! program that reads the environment.

mod load;
mod values;

pub use load::{load, ConfigError, Sources};
pub use values::{ByteSize, ConnectionUrl, HumanDuration, Network, PositiveInt, Secret};

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The whole configuration of one homestream instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where the SQLite database, the generated JWT secret, thumbnails and the
    /// transcode cache live.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub media: MediaSettings,
    pub streaming: StreamingSettings,
    pub transcode: TranscodeSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub telemetry: TelemetrySettings,
    pub analytics: AnalyticsSettings,
    pub dlna: DlnaSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            redis: RedisSettings::default(),
            media: MediaSettings::default(),
            streaming: StreamingSettings::default(),
            transcode: TranscodeSettings::default(),
            auth: AuthSettings::default(),
            log: LogSettings::default(),
            metrics: MetricsSettings::default(),
            telemetry: TelemetrySettings::default(),
            analytics: AnalyticsSettings::default(),
            dlna: DlnaSettings::default(),
        }
    }
}

/// The DLNA/UPnP media server that TVs and players on the LAN find by themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DlnaSettings {
    /// Announce and serve the libraries over DLNA (SSDP on UDP 1900 and `port`).
    pub enable: bool,
    /// The name TVs list; empty means "homestream on <host name>".
    pub friendly_name: String,
    /// The account DLNA serves as: its role and library access decide what devices
    /// see, and their streams count against its limits. Required when enabled.
    pub user: String,
    /// The TCP port of the device description, control and media URLs, on every
    /// address (clients outside `allowed_networks` get 403).
    pub port: u16,
    /// Interfaces to announce on, by name (`eth0`); empty means every interface with
    /// a private IPv4 address. A public address is never announced.
    pub interfaces: Vec<String>,
    /// Networks whose clients are answered (`192.168.1.0/24`); empty means the
    /// networks of the interfaces announced on.
    pub allowed_networks: Vec<Network>,
    /// How often the device is announced again (`NOTIFY ssdp:alive`); it tells clients
    /// to keep it for twice this long.
    pub notify_interval: HumanDuration,
}

impl Default for DlnaSettings {
    fn default() -> Self {
        Self {
            enable: false,
            friendly_name: String::new(),
            user: String::new(),
            port: 8201,
            interfaces: Vec::new(),
            allowed_networks: Vec::new(),
            notify_interval: HumanDuration::secs(15 * 60),
        }
    }
}

/// `GET /metrics` in the Prometheus text format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Serve `/metrics` at all.
    pub enabled: bool,
    /// When set, scrapes must send `Authorization: Bearer <token>`.
    pub token: Secret,
    /// Serve `/metrics` on this `host:port` instead of the API's address (for example
    /// `127.0.0.1:9464`, reachable only from the machine); empty keeps it on the API.
    pub listen: String,
    /// With neither `token` nor `listen` set, `/metrics` on the API's address answers
    /// only loopback peers (403 to others); `true` answers everyone.
    pub allow_remote: bool,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            token: Secret::default(),
            listen: String::new(),
            allow_remote: false,
        }
    }
}

/// OpenTelemetry traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// An OTLP/HTTP collector (`http://127.0.0.1:4318`); spans are exported to
    /// `<endpoint>/v1/traces`. Empty exports nothing.
    pub otlp_endpoint: String,
    /// The `service.name` resource attribute.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: String::new(),
            service_name: "homestream".to_owned(),
        }
    }
}

/// Viewing analytics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyticsSettings {
    /// Playback events older than this are deleted.
    pub retention: HumanDuration,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            retention: HumanDuration::secs(365 * 24 * 60 * 60),
        }
    }
}

impl Settings {
    /// The SQLite database used when `database.url` is empty.
    pub fn default_sqlite_path(&self) -> PathBuf {
        self.data_dir.join("homestream.db")
    }

    /// The effective configuration as TOML, with secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one (tests).
    pub port: u16,
    /// Largest request body accepted; larger ones get 413.
    pub max_body_size: ByteSize,
    /// How long a request body may take to arrive, from when its handler first reads
    /// it (after routing and authentication), before 408 and a closed connection; a
    /// body larger than `body_min_rate` bytes a second times this gets one more second
    /// for each `body_min_rate` bytes.
    pub body_read_timeout: HumanDuration,
    /// The slowest body upload given more time than `body_read_timeout` (bytes a
    /// second).
    pub body_min_rate: ByteSize,
    /// Memory all request bodies in flight may hold together (at least one body of
    /// `max_body_size`); a body that would pass it gets 503 `server_busy` with
    /// `Retry-After`.
    pub body_memory_budget: ByteSize,
    /// How long a shutdown waits for open requests before closing them.
    pub shutdown_timeout: HumanDuration,
    /// Reverse proxies (nginx) whose `X-Forwarded-For`, `X-Forwarded-Proto` and
    /// `X-Forwarded-Host` are believed; from anyone else those headers are ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Most connections open at once; past it the longest idle one is closed for a
    /// new one. 0 means three quarters of the open file limit (`ulimit -n`).
    pub max_connections: u32,
    /// How long a request head may take from its first byte.
    pub header_read_timeout: HumanDuration,
    /// How long a connection may wait for its next request.
    pub keep_alive_timeout: HumanDuration,
    /// Answer HTTP/1.1 stream requests with sendfile(2); `false` sends every answer
    /// through hyper.
    pub sendfile: bool,
    /// Origins (`https://app.example:8443`) whose scripts may call the API and read
    /// media across origins (CORS); empty means same origin only.
    pub cors_origins: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 3000,
            max_body_size: ByteSize(1 << 20),
            body_read_timeout: HumanDuration::secs(15),
            body_min_rate: ByteSize(64 << 10),
            body_memory_budget: ByteSize(32 << 20),
            shutdown_timeout: HumanDuration::secs(10),
            trusted_proxies: Vec::new(),
            max_connections: 0,
            header_read_timeout: HumanDuration::secs(15),
            keep_alive_timeout: HumanDuration::secs(60),
            sendfile: true,
            cors_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `postgres://...` for PostgreSQL, `sqlite://PATH` for SQLite; empty means SQLite
    /// at `<data_dir>/homestream.db`.
    pub url: ConnectionUrl,
    /// A file holding the URL (it may carry a password); wins over `url`.
    pub url_file: PathBuf,
    /// Most connections the pool opens.
    pub max_connections: PositiveInt,
    /// How long a request waits for a free connection before answering 503.
    pub acquire_timeout: HumanDuration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: ConnectionUrl::default(),
            url_file: PathBuf::new(),
            max_connections: PositiveInt(8),
            acquire_timeout: HumanDuration::secs(5),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisSettings {
    /// `redis://host:port/db` or `redis+unix:///run/redis/redis.sock`; empty keeps
    /// sessions and caches in memory.
    pub url: ConnectionUrl,
    /// A file holding the URL; wins over `url`.
    pub url_file: PathBuf,
    /// Put before every key, so several deployments can share one Redis.
    pub key_prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: ConnectionUrl::default(),
            url_file: PathBuf::new(),
            key_prefix: "homestream:".to_owned(),
        }
    }
}

/// One folder of videos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    /// Name shown to users and used in filters.
    pub name: String,
    /// Folder scanned recursively.
    pub path: PathBuf,
    /// What the library holds: `shows`, `films` or `mixed` (each file decided by its
    /// own name and folders).
    #[serde(default)]
    pub kind: LibraryKind,
}

/// What a library holds; it settles names that could be an episode or a film.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibraryKind {
    /// Series: numbered files in a folder are episodes.
    Shows,
    /// Films: nothing is an episode.
    Films,
    /// Both.
    #[default]
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    /// The libraries to serve (`VIDEOS_PATH` sets a single one named `Videos`).
    pub libraries: Vec<Library>,
    /// File extensions the scanner takes, compared without case.
    pub extensions: Vec<String>,
    /// Scan every library when the server starts.
    pub scan_on_startup: bool,
    /// Watch the libraries and pick up new, changed and removed files within seconds.
    pub watch: bool,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            libraries: Vec::new(),
            extensions: ["mp4", "mkv", "avi", "mov", "webm", "m4v", "ts"]
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
            scan_on_startup: true,
            watch: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamingSettings {
    /// Streams the whole server plays at once.
    pub max_concurrent_streams: PositiveInt,
    /// Streams one user plays at once.
    pub max_streams_per_user: PositiveInt,
    /// How long a progress report keeps a stream open without media requests; the
    /// upper bound of the short graces after a stream's last request.
    pub idle_timeout: HumanDuration,
    /// Largest read per stream and step of a transfer hyper writes (HTTP/2, or after
    /// another kind of request on the connection): memory per such stream stays within
    /// it. HTTP/1.1 stream requests go through sendfile(2) and hold no buffer.
    pub chunk_size: ByteSize,
    /// How long a signed link from `POST /api/videos/{id}/stream-url` stays valid.
    pub link_ttl: HumanDuration,
}

impl Default for StreamingSettings {
    fn default() -> Self {
        Self {
            max_concurrent_streams: PositiveInt(8),
            max_streams_per_user: PositiveInt(3),
            idle_timeout: HumanDuration::secs(60),
            chunk_size: ByteSize(64 << 10),
            link_ttl: HumanDuration::secs(6 * 60 * 60),
        }
    }
}

/// The video encoder ffmpeg uses when transcoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HardwareEncoder {
    /// Software x264 (`libx264`), everywhere.
    None,
    /// Intel and AMD GPUs through VA-API (`h264_vaapi`, needs `device`).
    Vaapi,
    /// NVIDIA GPUs (`h264_nvenc`).
    Nvenc,
    /// Intel Quick Sync (`h264_qsv`).
    Qsv,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TranscodeSettings {
    /// The ffmpeg binary (a name looked up in `PATH`, or a path), for transcodes,
    /// thumbnails and subtitles.
    pub ffmpeg: PathBuf,
    /// The ffprobe binary, for the scanner.
    pub ffprobe: PathBuf,
    /// ffmpeg processes running at once; 0 means one per two CPU cores, at least one.
    pub max_concurrent_jobs: u32,
    /// Jobs waiting for a free slot; one more is answered 503 with `Retry-After`.
    pub max_queued_jobs: u32,
    /// How long a queued job waits for a slot before its request gets 503.
    pub queue_timeout: HumanDuration,
    /// Length of an HLS segment in seconds (at most 10).
    pub segment_seconds: PositiveInt,
    /// ffmpeg pauses when it is this many segments ahead of the furthest segment any
    /// viewer asked for, so a paused viewer costs no CPU.
    pub max_segments_ahead: PositiveInt,
    /// A job with no request for this long is stopped and its ffmpeg killed.
    pub idle_timeout: HumanDuration,
    /// Where segments and converted subtitles go; empty means `<data_dir>/transcode`.
    /// Emptied at start-up.
    pub cache_dir: PathBuf,
    /// The cache's size cap; beyond it the least recently used outputs are deleted.
    pub cache_size: ByteSize,
    /// ffmpeg failures in a row for one video that open its circuit breaker.
    pub failures_to_open: PositiveInt,
    /// How long an open breaker answers 503 at once before ffmpeg is tried again.
    pub failure_cooldown: HumanDuration,
    /// The tallest picture made, in lines (720, 1080 ...): a rung this machine cannot
    /// make faster than it plays stalls every player that climbs to it. 0 means 720
    /// with software encoding on fewer than 4 cores, otherwise no cap.
    pub max_height: u32,
    /// `none` (software x264), `vaapi`, `nvenc` or `qsv`.
    pub hardware: HardwareEncoder,
    /// The render node VA-API and QSV use.
    pub device: PathBuf,
    /// The x264 preset of software encoding.
    pub preset: String,
    /// Seek previews (trickplay): a picture every `trickplay_interval`, tiled ten by
    /// ten into JPEG sheets with a WebVTT index, made in the background after each scan
    /// at the lowest CPU priority and kept in `<data_dir>/trickplay`.
    pub trickplay: bool,
    /// How far apart the preview pictures are (at least 1 s).
    pub trickplay_interval: HumanDuration,
    /// Each preview picture's width in pixels (64 to 640); its height follows the
    /// video's shape.
    pub trickplay_width: PositiveInt,
}

impl Default for TranscodeSettings {
    fn default() -> Self {
        Self {
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
            max_concurrent_jobs: 0,
            max_height: 0,
            max_queued_jobs: 4,
            queue_timeout: HumanDuration::secs(15),
            segment_seconds: PositiveInt(3),
            max_segments_ahead: PositiveInt(10),
            idle_timeout: HumanDuration::secs(30),
            cache_dir: PathBuf::new(),
            cache_size: ByteSize(10 << 30),
            failures_to_open: PositiveInt(3),
            failure_cooldown: HumanDuration::secs(60),
            hardware: HardwareEncoder::None,
            device: PathBuf::from("/dev/dri/renderD128"),
            preset: "veryfast".to_owned(),
            trickplay: true,
            trickplay_interval: HumanDuration::secs(10),
            trickplay_width: PositiveInt(320),
        }
    }
}

impl TranscodeSettings {
    /// The tallest picture to make: the configured one, or for 0, 720 lines when x264
    /// runs on fewer than 4 cores (1080p is slower than real time there), else no cap.
    pub fn height_cap(&self) -> u32 {
        match self.max_height {
            0 if self.hardware == HardwareEncoder::None
                && std::thread::available_parallelism().map_or(1, |n| n.get()) < 4 =>
            {
                720
            }
            0 => u32::MAX,
            n => n,
        }
    }

    /// The configured job limit, or one per two cores (at least one).
    pub fn job_limit(&self) -> usize {
        match self.max_concurrent_jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            n => n as usize,
        }
    }

    /// The segment length, at most 10 s.
    pub fn segment_length(&self) -> u32 {
        // At most 10: the loader refuses more.
        self.segment_seconds.get()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// A session with no request for this long ends.
    pub session_timeout: HumanDuration,
    /// Tokens expire, and a new login is required, this long after logging in.
    pub reauth_after: HumanDuration,
    /// HS256 signing secret; when neither this nor `jwt_secret_file` is set, one is
    /// generated once and kept in `<data_dir>/jwt_secret`.
    pub jwt_secret: Secret,
    /// A file holding the JWT secret; wins over `jwt_secret`.
    pub jwt_secret_file: PathBuf,
    /// Sessions one user may have open at once; a login beyond it ends the user's
    /// least recently used session.
    pub max_sessions_per_user: PositiveInt,
    /// A guest's session ends this long after login at the latest (or at
    /// `reauth_after`, if sooner); a guest has one session at a time, and their watch
    /// data goes when it ends.
    pub guest_session_lifetime: HumanDuration,
    /// Failed logins for one username within `failed_login_window` before 429.
    pub max_failed_logins: PositiveInt,
    /// The window failed logins are counted in.
    pub failed_login_window: HumanDuration,
    /// Threads that hash and check passwords (argon2id, 19 MiB each); 0 means one per
    /// two cores, at least one.
    pub password_workers: u32,
    /// Logins that may wait for a password worker; beyond it, 503 with `Retry-After`.
    pub password_queue: PositiveInt,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_timeout: HumanDuration::secs(30 * 60),
            reauth_after: HumanDuration::secs(24 * 60 * 60),
            jwt_secret: Secret::default(),
            jwt_secret_file: PathBuf::new(),
            max_sessions_per_user: PositiveInt(3),
            guest_session_lifetime: HumanDuration::secs(4 * 60 * 60),
            max_failed_logins: PositiveInt(5),
            failed_login_window: HumanDuration::secs(15 * 60),
            password_workers: 0,
            password_queue: PositiveInt(16),
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (the architecture document's format).
    Json,
    /// Human-readable lines for a terminal.
    Pretty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `homestream=debug,sqlx=warn`.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            level: "info".to_owned(),
        }
    }
}

/// Resolves `path` against `base` unless it is absolute.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_height_cap_is_the_setting_or_follows_the_machine() {
        let mut t = TranscodeSettings {
            max_height: 1080,
            ..TranscodeSettings::default()
        };
        assert_eq!(t.height_cap(), 1080);
        t.max_height = 0;
        t.hardware = HardwareEncoder::Vaapi;
        assert_eq!(t.height_cap(), u32::MAX, "a GPU encoder is not capped");
        t.hardware = HardwareEncoder::None;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let want = if cores < 4 { 720 } else { u32::MAX };
        assert_eq!(t.height_cap(), want);
    }
}
