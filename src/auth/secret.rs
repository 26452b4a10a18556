//! The JWT signing secret: configured, or generated once into the data folder.

use crate::config::{resolve, Settings};
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// The JWT secret: the configured one, or one generated once into
/// `<data_dir>/jwt_secret` (mode 0600) and reused on every start.
pub fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    let configured = settings.auth.jwt_secret.expose();
    if !configured.is_empty() {
        anyhow::ensure!(
            configured.len() >= 32,
            "auth.jwt_secret: expected at least 32 characters, got {}",
            configured.len()
        );
        return Ok(configured.as_bytes().to_vec());
    }
    let path = resolve(Path::new("."), &settings.data_dir).join("jwt_secret");
    read_or_create_secret(&path).with_context(|| format!("JWT secret file {}", path.display()))
}

fn read_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        anyhow::ensure!(existing.len() >= 32, "shorter than 32 characters");
        return Ok(existing.as_bytes().to_vec());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(hex.as_bytes())?;
            file.sync_all()?;
            Ok(hex.into_bytes())
        }
        // Another instance created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_or_create_secret(path),
        Err(e) => Err(e.into()),
    }
}
