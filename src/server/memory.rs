//! What start-up leaves resident and the server does not need: the allocator's freed
//! start-up garbage (the OpenAPI document is built, parsed and refined several times),
//! and the pages of the program's own code and read-only data mapped while starting.
//!
//! An idle server's resident memory was mostly the second: 16 of 26 MB were pages of
//! the binary (migrations, configuration, the spec builder, and around each page the
//! kernel maps on a fault, its neighbours). They are clean pages of the file, shared
//! with the page cache; dropping them from this process's mappings
//! (`MADV_DONTNEED` on the read-only, never-written mappings of the executable) costs a
//! minor fault when a page is next run. What the server then runs maps back in.

use std::io::BufRead;

/// Returns start-up's freed heap to the kernel and drops the executable's clean
/// read-only pages from this process's mappings. Safe to call at any time: only
/// mappings of the executable with no page written in this process are touched.
pub fn release_start_up() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
    let released: usize = clean_executable_mappings()
        .into_iter()
        .map(|(start, len)| {
            // SAFETY: a read-only private mapping of the executable file that this
            // process never wrote (no anonymous page): discarding its pages
            // leaves the same bytes to fault back in from the file. Writable and
            // relocated (RELRO) mappings are never selected.
            let dropped = unsafe {
                rustix::mm::madvise(start as *mut _, len, rustix::mm::Advice::LinuxDontNeed)
            };
            if dropped.is_ok() {
                len
            } else {
                0
            }
        })
        .sum();
    tracing::debug!(released_kb = released / 1024, "start-up memory given back");
}

/// The address ranges of the executable's mappings that are read-only, private and
/// unwritten (no anonymous page), from `/proc/self/smaps`.
fn clean_executable_mappings() -> Vec<(usize, usize)> {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return Vec::new();
    };
    let Ok(smaps) = std::fs::File::open("/proc/self/smaps") else {
        return Vec::new();
    };
    parse_smaps(
        std::io::BufReader::new(smaps).lines().map_while(Result::ok),
        &exe,
    )
}

fn parse_smaps(lines: impl Iterator<Item = String>, exe: &std::path::Path) -> Vec<(usize, usize)> {
    struct Mapping {
        range: (usize, usize),
        eligible: bool,
    }
    let mut found = Vec::new();
    let mut current: Option<Mapping> = None;
    let finish = |m: Option<Mapping>, found: &mut Vec<(usize, usize)>| {
        if let Some(m) = m.filter(|m| m.eligible) {
            found.push(m.range);
        }
    };
    for line in lines {
        let mut fields = line.split_ascii_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some((from, to)) = first.split_once('-').and_then(|(a, b)| {
            Some((
                usize::from_str_radix(a, 16).ok()?,
                usize::from_str_radix(b, 16).ok()?,
            ))
        }) {
            finish(current.take(), &mut found);
            let perms = fields.next().unwrap_or_default();
            let path = fields.nth(3).unwrap_or_default();
            current = Some(Mapping {
                range: (from, to.saturating_sub(from)),
                eligible: (perms == "r--p" || perms == "r-xp") && std::path::Path::new(path) == exe,
            });
        } else if let Some(m) = current.as_mut() {
            let value = fields.next().and_then(|v| v.parse::<u64>().ok());
            // A page written in this process (relocations, RELRO) is anonymous; a
            // page of the file itself may count as dirty while the file is not yet
            // written back (a binary just built), yet is the file's bytes.
            if first == "Anonymous:" && value != Some(0) {
                m.eligible = false;
            }
        }
    }
    finish(current, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unwritten_read_only_mappings_of_the_executable_are_chosen() {
        let smaps = "\
55d568c88000-55d5693b4000 r--p 00000000 fd:01 123 /srv/homestream
Rss:                3360 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
55d5693b4000-55d56a1d2000 r-xp 0072b000 fd:01 123 /srv/homestream
Private_Dirty:      5236 kB
Anonymous:             0 kB
55d56a1d2000-55d56a25e000 r--p 01548000 fd:01 123 /srv/homestream
Private_Dirty:       560 kB
Anonymous:           560 kB
55d56a25e000-55d56a266000 rw-p 015d3000 fd:01 123 /srv/homestream
Private_Dirty:        32 kB
7fc2d4a1f000-7fc2d4b75000 r-xp 00026000 fd:01 9 /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
7fc2d4b80000-7fc2d4b90000 r--p 00000000 00:00 0
Anonymous:             0 kB
";
        let found = parse_smaps(
            smaps.lines().map(str::to_owned),
            std::path::Path::new("/srv/homestream"),
        );
        assert_eq!(
            found,
            vec![
                (0x55d5_68c8_8000, 0x55d5_693b_4000 - 0x55d5_68c8_8000),
                (0x55d5_693b_4000, 0x55d5_6a1d_2000 - 0x55d5_693b_4000),
            ]
        );
    }

    #[test]
    fn releasing_leaves_the_program_running_and_its_code_pages_dropped() {
        // This test binary's own code: after the release, running on works (the pages
        // fault back in) and the resident code shrinks.
        let resident_code = || {
            let exe = std::fs::read_link("/proc/self/exe").unwrap();
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
            let mut total = 0u64;
            let mut ours = false;
            for line in smaps.lines() {
                if line.contains(" r-xp ") {
                    ours = line.ends_with(exe.to_str().unwrap());
                } else if line.contains('-') && line.split_whitespace().count() >= 5 {
                    ours = false;
                } else if ours && line.starts_with("Rss:") {
                    total += line
                        .split_whitespace()
                        .nth(1)
                        .unwrap()
                        .parse::<u64>()
                        .unwrap();
                }
            }
            total
        };
        let before = resident_code();
        assert!(!clean_executable_mappings().is_empty());
        release_start_up();
        let after = resident_code();
        assert!(after < before, "resident code {before} kB -> {after} kB");
        // Code runs on from the file.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
