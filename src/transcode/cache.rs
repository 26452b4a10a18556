//! The transcode cache directory: its size cap and least-recently-used eviction.
//!
//! Entries are whole outputs: one HLS variant of one video (a directory of segments) or
//! one converted subtitle file. When the total passes the cap, the least recently used
//! entries that no running ffmpeg writes to are deleted.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct Entry {
    bytes: u64,
    used: Instant,
}

#[derive(Debug)]
pub struct OutputCache {
    cap: u64,
    entries: Mutex<HashMap<PathBuf, Entry>>,
}

impl OutputCache {
    pub fn new(cap: u64) -> Self {
        Self {
            cap,
            entries: Mutex::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts `bytes` more in `entry` and marks it used.
    pub fn grew(&self, entry: &Path, bytes: u64) {
        let mut entries = self.entries();
        let e = entries.entry(entry.to_path_buf()).or_insert(Entry {
            bytes: 0,
            used: Instant::now(),
        });
        e.bytes += bytes;
        e.used = Instant::now();
    }

    /// Marks `entry` used now.
    pub fn touch(&self, entry: &Path) {
        if let Some(e) = self.entries().get_mut(entry) {
            e.used = Instant::now();
        }
    }

    /// `transcode.cache_size`: the bytes kept before the least recently used go.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Bytes held.
    pub fn size(&self) -> u64 {
        self.entries().values().map(|e| e.bytes).sum()
    }

    /// The entries to delete to get back under the cap, least recently used first,
    /// skipping `busy` ones; they are forgotten here, and the caller deletes them.
    pub fn over_cap(&self, busy: &HashSet<PathBuf>) -> Vec<PathBuf> {
        let mut entries = self.entries();
        let mut total: u64 = entries.values().map(|e| e.bytes).sum();
        if total <= self.cap {
            return Vec::new();
        }
        let mut idle: Vec<(PathBuf, Entry)> = entries
            .iter()
            .filter(|(p, _)| !busy.contains(*p))
            .map(|(p, e)| (p.clone(), *e))
            .collect();
        idle.sort_by_key(|(_, e)| e.used);
        let mut out = Vec::new();
        for (path, e) in idle {
            if total <= self.cap {
                break;
            }
            total -= e.bytes;
            entries.remove(&path);
            out.push(path);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_idle_entries_go_first() {
        let c = OutputCache::new(100);
        c.grew(Path::new("a"), 60);
        c.grew(Path::new("b"), 30);
        c.grew(Path::new("c"), 30);
        c.touch(Path::new("a"));
        let busy = HashSet::from([PathBuf::from("c")]);
        assert_eq!(c.over_cap(&busy), vec![PathBuf::from("b")]);
        assert_eq!(c.size(), 90);
        assert!(c.over_cap(&HashSet::new()).is_empty());
    }

    #[test]
    fn as_many_entries_go_as_it_takes_to_get_under_the_cap() {
        let c = OutputCache::new(100);
        for name in ["a", "b", "c", "d"] {
            c.grew(Path::new(name), 50);
        }
        let names = ["a", "b"].map(PathBuf::from).to_vec();
        assert_eq!(c.over_cap(&HashSet::new()), names);
        assert_eq!(c.size(), 100);
    }
}
