//! Layering the configuration sources with figment.
//!
//! Each source is wrapped in a [`Labeled`] provider whose name says where a value came
//! from (`file config/default.toml`, `env HOMESTREAM_*`, `env PORT`), so an error names
//! the key, the source and what was expected in one line.

use super::{Library, Settings};
use figment::error::{Actual, Kind};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use std::path::{Path, PathBuf};

/// The environment variable prefix for nested keys (`HOMESTREAM_SERVER__PORT`).
const ENV_PREFIX: &str = "HOMESTREAM_";
/// Variables with the prefix that choose sources rather than set keys, and
/// `HOMESTREAM_WEB_DIST`, which the build reads (`build.rs`), not the server.
const ENV_CONTROL: [&str; 4] = ["PROFILE", "CONFIG", "CONFIG_DIR", "WEB_DIST"];

/// Where the configuration is read from, before any file is opened.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The folder holding `default.toml` and `<profile>.toml` (`./config` by default,
    /// `HOMESTREAM_CONFIG_DIR` to change it).
    pub config_dir: PathBuf,
    /// `HOMESTREAM_PROFILE`: also read `<config_dir>/<profile>.toml`, which must exist.
    pub profile: Option<String>,
    /// `--config` or `HOMESTREAM_CONFIG`: one more file, which must exist.
    pub config_file: Option<PathBuf>,
}

impl Sources {
    /// The sources named by the process environment, with `--config` winning over
    /// `HOMESTREAM_CONFIG`.
    pub fn from_env(cli_config: Option<PathBuf>) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            config_dir: var("HOMESTREAM_CONFIG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("config")),
            profile: var("HOMESTREAM_PROFILE"),
            config_file: cli_config.or_else(|| var("HOMESTREAM_CONFIG").map(PathBuf::from)),
        }
    }
}

/// A configuration that cannot be used; each line names a key, its source and the
/// problem.
#[derive(Debug, thiserror::Error)]
#[error("{}", lines.join("\n"))]
pub struct ConfigError {
    pub lines: Vec<String>,
}

impl ConfigError {
    fn one(line: impl Into<String>) -> Self {
        Self {
            lines: vec![line.into()],
        }
    }
}

/// Reads every source in order and returns the settings they add up to.
pub fn load(sources: &Sources) -> Result<Settings, ConfigError> {
    let figment = figment(sources)?;
    let mut settings: Settings = figment.extract().map_err(render)?;
    read_secret_files(&figment, &mut settings)?;
    check_ranges(&figment, &settings)?;
    Ok(settings)
}

/// Values whose type is right but whose size is not: refused with the key and its
/// source rather than quietly clamped.
fn check_ranges(figment: &Figment, settings: &Settings) -> Result<(), ConfigError> {
    let source = |key: &str| {
        figment.find_metadata(key).map_or_else(
            || "built-in defaults".to_owned(),
            |m| source_name(&m.name, &key.split('.').collect::<Vec<_>>()),
        )
    };
    let segment = settings.transcode.segment_seconds.get();
    if segment > 10 {
        let key = "transcode.segment_seconds";
        return Err(ConfigError::one(format!(
            "{key} (from {}): expected at most 10 (seconds), got {segment}",
            source(key)
        )));
    }
    let width = settings.transcode.trickplay_width.get();
    if !(64..=640).contains(&width) {
        let key = "transcode.trickplay_width";
        return Err(ConfigError::one(format!(
            "{key} (from {}): expected 64 to 640 (pixels), got {width}",
            source(key)
        )));
    }
    if settings.transcode.trickplay_interval.get() < std::time::Duration::from_secs(1) {
        let key = "transcode.trickplay_interval";
        return Err(ConfigError::one(format!(
            "{key} (from {}): expected at least 1s, got {:?}",
            source(key),
            settings.transcode.trickplay_interval.get()
        )));
    }
    let dlna = &settings.dlna;
    if dlna.enable && dlna.user.trim().is_empty() {
        let key = "dlna.user";
        return Err(ConfigError::one(format!(
            "{key} (from {}): DLNA is enabled but serves as no account; set it to the \
             user whose libraries TVs and players may browse (a LAN device has no login)",
            source(key)
        )));
    }
    if let Some(bad) = settings.server.cors_origins.iter().find(|o| !is_origin(o)) {
        let key = "server.cors_origins";
        return Err(ConfigError::one(format!(
            "{key} (from {}): expected origins such as \"https://app.example:8443\" \
             (scheme, host and optional port; no path or wildcard), got {bad:?}",
            source(key)
        )));
    }
    Ok(())
}

/// `http(s)://host[:port]`, as browsers send it in `Origin`.
fn is_origin(o: &str) -> bool {
    let Some(rest) = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
    else {
        return false;
    };
    // An IPv6 host is bracketed: the port, if any, follows the closing bracket.
    let split = if rest.starts_with('[') {
        rest.find(']')
            .map(|end| (&rest[..=end], rest[end + 1..].strip_prefix(':')))
    } else {
        Some(match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        })
    };
    let Some((host, port)) = split else {
        return false;
    };
    if rest.starts_with('[') && host.len() + port.map_or(0, |p| p.len() + 1) != rest.len() {
        return false;
    }
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b))
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

/// The layered sources, lowest first.
fn figment(sources: &Sources) -> Result<Figment, ConfigError> {
    let mut figment = Figment::from(Labeled::new(
        "built-in defaults",
        Serialized::defaults(Settings::default()),
    ));
    let default_file = sources.config_dir.join("default.toml");
    if default_file.is_file() {
        figment = figment.merge(file_layer(&default_file));
    }
    if let Some(profile) = &sources.profile {
        if profile.contains(['/', '\\']) || profile.starts_with('.') {
            return Err(ConfigError::one(format!(
                "HOMESTREAM_PROFILE: expected a profile name such as \"production\", got {profile:?}"
            )));
        }
        let file = sources.config_dir.join(format!("{profile}.toml"));
        if !file.is_file() {
            return Err(ConfigError::one(format!(
                "HOMESTREAM_PROFILE={profile}: profile file {} does not exist",
                file.display()
            )));
        }
        figment = figment.merge(file_layer(&file));
    }
    if let Some(file) = &sources.config_file {
        if !file.is_file() {
            return Err(ConfigError::one(format!(
                "--config / HOMESTREAM_CONFIG: file {} does not exist",
                file.display()
            )));
        }
        figment = figment.merge(file_layer(file));
    }
    let env = Env::prefixed(ENV_PREFIX).split("__").filter(|key| {
        !ENV_CONTROL
            .iter()
            .any(|c| key.as_str().eq_ignore_ascii_case(c))
    });
    figment = figment.merge(Labeled::new("env HOMESTREAM_*", env));
    for layer in deployment_layers() {
        figment = figment.merge(layer);
    }
    Ok(figment)
}

fn file_layer(path: &Path) -> Labeled<figment::providers::Data<Toml>> {
    Labeled::new(format!("file {}", path.display()), Toml::file(path))
}

/// The architecture document's variable names, one labeled layer each.
fn deployment_layers() -> Vec<Labeled<Serialized<Value>>> {
    let mut layers = Vec::new();
    let mut add = |var: &str, key: &str, value: Value| {
        layers.push(Labeled::new(
            format!("env {var}"),
            Serialized::default(key, value),
        ));
    };
    let get = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    // Typed values go through figment's own parsing so "8" is a number and "lots"
    // stays a string for the error message.
    let parsed = |raw: String| raw.parse::<Value>().unwrap_or_else(|e| match e {});
    if let Some(v) = get("DATABASE_URL") {
        add("DATABASE_URL", "database.url", Value::from(v));
    }
    if let Some(v) = get("REDIS_URL") {
        add("REDIS_URL", "redis.url", Value::from(v));
    }
    if let Some(v) = get("VIDEOS_PATH") {
        let library = Library {
            name: "Videos".to_owned(),
            path: PathBuf::from(v),
            kind: super::LibraryKind::Mixed,
        };
        add(
            "VIDEOS_PATH",
            "media.libraries",
            Value::serialize(vec![library]).expect("a library serializes"),
        );
    }
    if let Some(v) = get("MAX_CONCURRENT_STREAMS") {
        add(
            "MAX_CONCURRENT_STREAMS",
            "streaming.max_concurrent_streams",
            parsed(v),
        );
    }
    if let Some(v) = get("SESSION_TIMEOUT") {
        add("SESSION_TIMEOUT", "auth.session_timeout", parsed(v));
    }
    if let Some(v) = get("CHUNK_SIZE") {
        add("CHUNK_SIZE", "streaming.chunk_size", parsed(v));
    }
    if let Some(v) = get("PORT") {
        add("PORT", "server.port", parsed(v));
    }
    layers
}

/// `*_file` keys, and systemd credentials, replace the values they hold.
fn read_secret_files(figment: &Figment, settings: &mut Settings) -> Result<(), ConfigError> {
    let credentials = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let credential = |name: &str| -> Option<PathBuf> {
        let path = credentials.as_ref()?.join(name);
        path.is_file().then_some(path)
    };
    let read = |key: &str, path: &Path| -> Result<String, ConfigError> {
        let source = match figment.find_metadata(key) {
            Some(m) => source_name(&m.name, &key.split('.').collect::<Vec<_>>()),
            None => "$CREDENTIALS_DIRECTORY".to_owned(),
        };
        let value = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::one(format!(
                "{key} (from {source}): cannot read {}: {e}",
                path.display()
            ))
        })?;
        let value = value.trim().to_owned();
        if value.is_empty() {
            return Err(ConfigError::one(format!(
                "{key} (from {source}): {} is empty",
                path.display()
            )));
        }
        Ok(value)
    };
    let chosen = |configured: &Path, name: &str| -> Option<PathBuf> {
        if configured.as_os_str().is_empty() {
            credential(name)
        } else {
            Some(configured.to_path_buf())
        }
    };
    if let Some(path) = chosen(&settings.auth.jwt_secret_file, "jwt_secret") {
        settings.auth.jwt_secret = super::Secret::new(read("auth.jwt_secret_file", &path)?);
    }
    if let Some(path) = chosen(&settings.database.url_file, "database_url") {
        settings.database.url = super::ConnectionUrl::new(read("database.url_file", &path)?);
    }
    if let Some(path) = chosen(&settings.redis.url_file, "redis_url") {
        settings.redis.url = super::ConnectionUrl::new(read("redis.url_file", &path)?);
    }
    Ok(())
}

/// Turns figment's errors into `key (from SOURCE): expected X, got "v"` lines.
fn render(error: figment::Error) -> ConfigError {
    let lines = error.into_iter().map(|e| render_one(&e)).collect();
    ConfigError { lines }
}

fn render_one(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let source = match &e.metadata {
        Some(m) => source_name(&m.name, &e.path),
        None => "unknown source".to_owned(),
    };
    let what = match &e.kind {
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            format!("expected {expected}, got {}", show(actual))
        }
        Kind::UnknownField(field, known) => {
            let at = if key.ends_with(field.as_str()) {
                String::new()
            } else {
                format!(" {field}")
            };
            return format!(
                "{key}{at} (from {source}): unknown key; known keys here: {}",
                known.join(", ")
            );
        }
        Kind::UnknownVariant(v, known) => {
            format!("expected one of {}, got \"{v}\"", known.join(", "))
        }
        Kind::MissingField(field) => format!("missing key {field}"),
        other => other.to_string(),
    };
    if key.is_empty() {
        format!("(from {source}): {what}")
    } else {
        format!("{key} (from {source}): {what}")
    }
}

/// The provider's label, or for `HOMESTREAM_*` the exact variable that set `path`.
fn source_name<S: AsRef<str>>(label: &str, path: &[S]) -> String {
    if label == "env HOMESTREAM_*" && !path.is_empty() {
        let parts: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
        format!("env {ENV_PREFIX}{}", parts.join("__").to_uppercase())
    } else {
        label.to_owned()
    }
}

fn show(actual: &Actual) -> String {
    match actual {
        Actual::Str(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// A provider with a name of our choosing.
struct Labeled<P> {
    name: String,
    inner: P,
}

impl<P> Labeled<P> {
    fn new(name: impl Into<String>, inner: P) -> Self {
        Self {
            name: name.into(),
            inner,
        }
    }
}

impl<P: Provider> Provider for Labeled<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.inner.data()
    }
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail closures must return figment::Error"
)]
mod tests {
    use super::*;
    use figment::Jail;

    fn sources(jail: &Jail) -> Sources {
        Sources {
            config_dir: jail.directory().join("config"),
            profile: None,
            config_file: None,
        }
    }

    #[test]
    fn each_layer_overrides_the_one_before() {
        Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file(
                "config/default.toml",
                "data_dir = \"from-default\"\n[server]\nport = 4001\nhost = \"0.0.0.0\"\n[streaming]\nmax_streams_per_user = 2\n",
            )?;
            jail.create_file(
                "config/prod.toml",
                "[server]\nport = 4002\n[streaming]\nmax_concurrent_streams = 20\n",
            )?;
            jail.create_file(
                "extra.toml",
                "[server]\nport = 4003\n[streaming]\nidle_timeout = \"5m\"\n",
            )?;
            let mut s = sources(jail);
            s.profile = Some("prod".into());
            s.config_file = Some(jail.directory().join("extra.toml"));
            let base = load(&s).unwrap();
            assert_eq!(base.data_dir, PathBuf::from("from-default"));
            assert_eq!(base.server.host.to_string(), "0.0.0.0");
            assert_eq!(base.streaming.max_concurrent_streams.get(), 20);
            assert_eq!(base.streaming.max_streams_per_user.get(), 2);
            assert_eq!(base.streaming.idle_timeout.get().as_secs(), 300);
            assert_eq!(base.server.port, 4003);

            jail.set_env("HOMESTREAM_SERVER__PORT", "4004");
            jail.set_env("HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS", "30");
            assert_eq!(load(&s).unwrap().server.port, 4004);
            jail.set_env("PORT", "4005");
            jail.set_env("MAX_CONCURRENT_STREAMS", "40");
            jail.set_env("SESSION_TIMEOUT", "60000");
            jail.set_env("CHUNK_SIZE", "65536");
            jail.set_env("VIDEOS_PATH", "/srv/videos");
            let top = load(&s).unwrap();
            assert_eq!(top.server.port, 4005);
            assert_eq!(top.streaming.max_concurrent_streams.get(), 40);
            assert_eq!(top.auth.session_timeout.get().as_secs(), 60);
            assert_eq!(top.streaming.chunk_size.get(), 65536);
            assert_eq!(top.media.libraries[0].path, PathBuf::from("/srv/videos"));
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_key_source_and_expectation() {
        Jail::expect_with(|jail| {
            jail.set_env("HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS", "lots");
            let err = load(&sources(jail)).unwrap_err();
            assert_eq!(
                err.to_string(),
                "streaming.max_concurrent_streams (from env HOMESTREAM_STREAMING__MAX_CONCURRENT_STREAMS): expected a positive integer, got \"lots\""
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("PORT", "eighty");
            let err = load(&sources(jail)).unwrap_err().to_string();
            assert!(
                err.starts_with("server.port (from env PORT): expected"),
                "{err}"
            );
            assert!(err.ends_with("got \"eighty\""), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file(
                "config/default.toml",
                "[auth]\nsession_timeout = \"soon\"\n",
            )?;
            let err = load(&sources(jail)).unwrap_err().to_string();
            assert!(err.starts_with("auth.session_timeout (from file "), "{err}");
            assert!(err.contains("default.toml): expected a duration"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_missing_files_are_errors() {
        Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/default.toml", "[server]\nprot = 1\n")?;
            let err = load(&sources(jail)).unwrap_err().to_string();
            assert!(err.contains("unknown key"), "{err}");
            assert!(err.contains("prot"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            let mut s = sources(jail);
            s.profile = Some("staging".into());
            let err = load(&s).unwrap_err().to_string();
            assert!(err.contains("staging.toml does not exist"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_come_from_files_and_credentials() {
        Jail::expect_with(|jail| {
            jail.create_file("jwt", "s3cret-from-file\n")?;
            jail.set_env("HOMESTREAM_AUTH__JWT_SECRET_FILE", "jwt");
            let s = load(&sources(jail)).unwrap();
            assert_eq!(s.auth.jwt_secret.expose(), "s3cret-from-file");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_dir("creds")?;
            jail.create_file("creds/database_url", "postgres://app:pw@db/app")?;
            jail.set_env(
                "CREDENTIALS_DIRECTORY",
                jail.directory().join("creds").display(),
            );
            let s = load(&sources(jail)).unwrap();
            assert_eq!(s.database.url.expose(), "postgres://app:pw@db/app");
            assert!(s.to_redacted_toml().contains("postgres://app:***@db/app"));
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("HOMESTREAM_AUTH__JWT_SECRET_FILE", "/nonexistent/jwt");
            let err = load(&sources(jail)).unwrap_err().to_string();
            assert!(
                err.starts_with("auth.jwt_secret_file (from env HOMESTREAM_AUTH__JWT_SECRET_FILE): cannot read /nonexistent/jwt"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn default_toml_equals_the_built_in_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
        let text = std::fs::read_to_string(&path).expect("config/default.toml exists");
        let parsed: Settings = toml::from_str(&text).expect("config/default.toml parses");
        assert_eq!(
            parsed,
            Settings::default(),
            "config/default.toml differs from Settings::default()"
        );
        // Every key is written out, not left to the built-in default.
        fn keys(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
            if let toml::Value::Table(t) = v {
                for (k, v) in t {
                    let path = format!("{prefix}{k}");
                    keys(&format!("{path}."), v, out);
                    out.push(path);
                }
            }
        }
        let (mut in_file, mut in_code) = (Vec::new(), Vec::new());
        keys("", &toml::from_str(&text).unwrap(), &mut in_file);
        keys(
            "",
            &toml::Value::try_from(Settings::default()).unwrap(),
            &mut in_code,
        );
        in_file.sort();
        in_code.sort();
        assert_eq!(in_file, in_code, "config/default.toml must list every key");
        // And every key in the file carries a comment line above it.
        let mut previous = "";
        for line in text.lines() {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') && !t.starts_with('[') && t.contains('=') {
                assert!(previous.starts_with('#'), "key without a comment: {t}");
            }
            previous = t;
        }
    }
}
