//! Start-up's freed heap, given back.
//!
//! Starting builds the OpenAPI document (built, parsed and refined several times), runs
//! the migrations and reads the configuration; what they allocated is freed, but glibc
//! keeps freed memory in its heaps, resident and counted against the process (and its
//! cgroup's `MemoryMax`). `malloc_trim(0)` returns the free pages of every heap to the
//! kernel. Measured on this machine's idle server after start-up, a scan and a login:
//! see the README's performance section.

/// Heaps glibc may make: one per thread that allocates while another holds the
/// first, up to eight per core by default. Each keeps the free holes between the blocks
/// still in use, which no trim can return; on the DLNA benchmark two left the idle
/// server about 3 MiB smaller than glibc's default (README, DLNA).
const ARENAS: i32 = 2;

/// Caps glibc's heaps at [`ARENAS`]; called before any thread starts.
pub fn limit_arenas() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets a parameter of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

/// Hands the allocator's free pages back to the kernel. glibc keeps what a burst
/// freed (500 concurrent requests leave ~20 MB in its heaps for good); the upkeep
/// trims every few seconds, so a burst's memory returns within seconds of its end.
pub fn give_back() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Returns start-up's freed heap to the kernel; logs the anonymous memory before and
/// after at `debug`. Safe to call at any time.
pub fn release_start_up() {
    let before = anonymous_kb();
    give_back();
    tracing::debug!(
        anonymous_kb_before = before,
        anonymous_kb_after = anonymous_kb(),
        "start-up heap given back"
    );
}

/// This process's resident anonymous memory (`RssAnon`), in kB; 0 when unknown.
pub fn anonymous_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

#[cfg(all(test, target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn freed_heap_goes_back_to_the_kernel() {
        // 64 MiB in small blocks (in the heap, not mmapped), every block but the last
        // freed: the last keeps the heap's top in place, so only a trim can return the
        // free pages below it.
        let blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![(i % 251) as u8; 4096]).collect();
        let mut blocks = blocks.into_iter();
        let last = blocks.next_back();
        drop(blocks);
        let held = anonymous_kb();
        release_start_up();
        let after = anonymous_kb();
        drop(last);
        assert!(
            held >= after + 32 * 1024,
            "RssAnon {held} kB before the trim, {after} kB after"
        );
    }
}
