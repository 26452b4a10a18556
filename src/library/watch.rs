//! Filesystem watching: a change anywhere in a library schedules a scan of that library
//! once the folder has been quiet for a moment, so a copied file shows up within
//! seconds and a file still being copied is not probed half-written more than needed.

use super::MediaLibrary;
use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a library must be quiet before it is rescanned.
const SETTLE: Duration = Duration::from_millis(1500);

/// Watches every library; the returned watcher must be kept alive.
///
/// # Errors
/// When the platform's watcher cannot be created.
pub fn start(library: Arc<MediaLibrary>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let roots: Vec<(String, std::path::PathBuf)> = library
        .libraries()
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                std::fs::canonicalize(&l.path).unwrap_or_else(|_| l.path.clone()),
            )
        })
        .collect();
    let lookup = roots.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            if let Some((name, _)) = lookup.iter().find(|(_, root)| path.starts_with(root)) {
                let _ = tx.send(name.clone());
            }
        }
    })?;
    for (name, root) in &roots {
        if let Err(e) = watcher.watch(root, RecursiveMode::Recursive) {
            tracing::warn!(library = %name, error = %e, "cannot watch library; new files appear on the next scan");
        }
    }
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut pending: HashSet<String> = HashSet::from([first]);
            // Wait until no event has come for SETTLE.
            while let Ok(Some(name)) = tokio::time::timeout(SETTLE, rx.recv()).await {
                pending.insert(name);
            }
            for name in pending {
                tracing::debug!(library = %name, "change detected; scanning");
                library.scan(Some(&name)).await;
            }
        }
    });
    Ok(watcher)
}
