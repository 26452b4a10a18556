//! RFC 9110 range requests, as pure functions: parse a `Range` header, evaluate the
//! conditional headers, and plan the answer (200, 206 with one range, 206 multipart,
//! 304 or 416). Nothing here knows about poem or files.
//!
//! Choices the RFC leaves open, made here:
//! - A malformed `Range` or an unknown unit is ignored (the whole file, 200).
//! - Overlapping or adjacent ranges are coalesced; more than [`MAX_RANGES`] ranges after
//!   that are ignored (200), which bounds the work a single request can ask for.
//! - Several ranges are answered with `multipart/byteranges`.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Most ranges served in one multipart answer.
pub const MAX_RANGES: usize = 32;

/// One range as written in the header, before it is resolved against a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last` or `first-`.
    From { first: u64, last: Option<u64> },
    /// `-suffix`: the last `suffix` bytes.
    Suffix(u64),
}

/// Parses a `Range` header value. `None` means the header must be ignored (malformed or
/// a unit other than bytes).
fn parse(header: &str) -> Option<Vec<Spec>> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = Vec::new();
    for part in set.split(',') {
        let part = part.trim();
        if part.is_empty() {
            // Empty list elements are allowed by the list syntax.
            continue;
        }
        let (first, last) = part.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        let spec = if first.is_empty() {
            Spec::Suffix(digits(last)?)
        } else {
            let first = digits(first)?;
            let last = if last.is_empty() {
                None
            } else {
                Some(digits(last)?)
            };
            if last.is_some_and(|l| l < first) {
                return None;
            }
            Spec::From { first, last }
        };
        specs.push(spec);
    }
    (!specs.is_empty()).then_some(specs)
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Resolves specs against a length: drops unsatisfiable ones, sorts and coalesces.
fn resolve(specs: &[Spec], len: u64) -> Vec<Range<u64>> {
    let mut ranges: Vec<Range<u64>> = specs
        .iter()
        .filter_map(|spec| match *spec {
            Spec::From { first, .. } if first >= len => None,
            Spec::From { first, last } => {
                Some(first..last.map_or(len, |l| l.saturating_add(1).min(len)))
            }
            Spec::Suffix(0) => None,
            Spec::Suffix(n) => Some(len.saturating_sub(n)..len),
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// What the representation is, for validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Representation {
    pub len: u64,
    /// A strong entity tag, quotes included.
    pub etag: String,
    /// Whole seconds, as `Last-Modified` carries them.
    pub modified: SystemTime,
}

/// The request headers that decide the answer.
#[derive(Debug, Clone, Default)]
pub struct Conditions<'a> {
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
}

/// The planned answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// 304: the client's copy is current.
    NotModified,
    /// 200 with the whole representation.
    Full,
    /// 206 with one range (`Content-Range: bytes a-b/len`).
    Partial(Range<u64>),
    /// 206 `multipart/byteranges` with these ranges, sorted and disjoint.
    Multipart(Vec<Range<u64>>),
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Decides the answer to a GET or HEAD, following RFC 9110 §13.2.2's order:
/// `If-None-Match` (or else `If-Modified-Since`), then `If-Range`, then `Range`.
pub fn plan(rep: &Representation, cond: &Conditions<'_>) -> Plan {
    if let Some(inm) = cond.if_none_match {
        if none_match_hits(inm, &rep.etag) {
            return Plan::NotModified;
        }
    } else if let Some(ims) = cond.if_modified_since.and_then(parse_http_date) {
        if truncate(rep.modified) <= ims {
            return Plan::NotModified;
        }
    }
    let Some(range) = cond.range else {
        return Plan::Full;
    };
    if let Some(if_range) = cond.if_range {
        if !if_range_holds(if_range.trim(), rep) {
            return Plan::Full;
        }
    }
    let Some(specs) = parse(range) else {
        return Plan::Full;
    };
    let ranges = resolve(&specs, rep.len);
    match ranges.len() {
        0 => Plan::Unsatisfiable,
        1 => Plan::Partial(ranges.into_iter().next().unwrap_or(0..0)),
        n if n > MAX_RANGES => Plan::Full,
        _ => Plan::Multipart(ranges),
    }
}

/// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`.
pub fn none_match_hits(header: &str, etag: &str) -> bool {
    let header = header.trim();
    if header == "*" {
        return true;
    }
    let ours = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == ours)
}

/// `If-Range` needs a strong match: an identical strong ETag, or a date equal to
/// `Last-Modified` (which is strong here only because it is at least a second old).
fn if_range_holds(value: &str, rep: &Representation) -> bool {
    if value.starts_with('"') {
        return value == rep.etag;
    }
    if value.starts_with("W/") {
        return false;
    }
    match parse_http_date(value) {
        Some(date) => {
            let modified = truncate(rep.modified);
            let now = truncate(SystemTime::now());
            date == modified && now >= modified + Duration::from_secs(1)
        }
        None => false,
    }
}

fn truncate(t: SystemTime) -> SystemTime {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete RFC 850 and
/// asctime forms the RFC says recipients must accept.
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let formats = [
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    ];
    formats.iter().find_map(|f| {
        chrono::NaiveDateTime::parse_from_str(s, f)
            .ok()
            .and_then(|dt| u64::try_from(dt.and_utc().timestamp()).ok())
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
    })
}

/// Formats a time as an IMF-fixdate.
pub fn format_http_date(t: SystemTime) -> String {
    // httpdate writes the fixed layout directly; chrono parses a format string on
    // every call, which showed in the profile of every stream response (two dates each).
    httpdate::fmt_http_date(truncate(t))
}

/// `bytes a-b/len` for a range.
pub fn content_range(r: &Range<u64>, len: u64) -> String {
    format!("bytes {}-{}/{len}", r.start, r.end.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep() -> Representation {
        Representation {
            len: 10_000,
            etag: "\"abc\"".into(),
            modified: UNIX_EPOCH + Duration::from_secs(784_111_777),
        }
    }

    fn with_range(range: &str) -> Plan {
        plan(
            &rep(),
            &Conditions {
                range: Some(range),
                ..Default::default()
            },
        )
    }

    #[test]
    fn single_ranges_follow_the_rfc_examples() {
        let cases: &[(&str, Plan)] = &[
            ("bytes=0-499", Plan::Partial(0..500)),
            ("bytes=500-999", Plan::Partial(500..1000)),
            ("bytes=-500", Plan::Partial(9500..10_000)),
            ("bytes=9500-", Plan::Partial(9500..10_000)),
            ("bytes=0-0", Plan::Partial(0..1)),
            ("bytes=-1", Plan::Partial(9999..10_000)),
            ("bytes=0-99999", Plan::Partial(0..10_000)),
            ("bytes=-99999", Plan::Partial(0..10_000)),
            ("BYTES = 0-9", Plan::Partial(0..10)),
            ("bytes=0-4,,", Plan::Partial(0..5)),
            ("bytes=0-499,500-999", Plan::Partial(0..1000)),
            ("bytes=500-600,601-999", Plan::Partial(500..1000)),
            ("bytes=0-99,50-149", Plan::Partial(0..150)),
        ];
        for (header, want) in cases {
            assert_eq!(&with_range(header), want, "{header}");
        }
    }

    #[test]
    fn several_ranges_become_multipart_sorted_and_disjoint() {
        assert_eq!(
            with_range("bytes=500-600,0-99,-100"),
            Plan::Multipart(vec![0..100, 500..601, 9900..10_000])
        );
        let many: Vec<String> = (0..40)
            .map(|i| format!("{}-{}", i * 100, i * 100 + 10))
            .collect();
        assert_eq!(with_range(&format!("bytes={}", many.join(","))), Plan::Full);
    }

    #[test]
    fn unsatisfiable_ranges_get_416() {
        for header in [
            "bytes=10000-",
            "bytes=20000-30000",
            "bytes=-0",
            "bytes=10000-10001,-0",
        ] {
            assert_eq!(with_range(header), Plan::Unsatisfiable, "{header}");
        }
        assert_eq!(with_range("bytes=10000-,0-1"), Plan::Partial(0..2));
    }

    #[test]
    fn malformed_ranges_are_ignored() {
        for header in [
            "bytes=abc",
            "bytes=5-1",
            "bytes=-",
            "bytes=1-2-3",
            "items=0-1",
            "bytes 0-1",
            "bytes=",
            "bytes=+1-2",
            "bytes=0x10-20",
            "bytes=99999999999999999999999-",
            "bytes=0-1,garbage",
        ] {
            assert_eq!(with_range(header), Plan::Full, "{header}");
        }
    }

    #[test]
    fn if_range_needs_a_strong_match() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let cases = [
            (Some("\"abc\""), Plan::Partial(0..10)),
            (Some("\"other\""), Plan::Full),
            (Some("W/\"abc\""), Plan::Full),
            (Some(date), Plan::Partial(0..10)),
            (Some("Sun, 06 Nov 1994 08:49:38 GMT"), Plan::Full),
            (Some("not a date"), Plan::Full),
        ];
        for (if_range, want) in cases {
            let cond = Conditions {
                range: Some("bytes=0-9"),
                if_range,
                ..Default::default()
            };
            assert_eq!(plan(&rep(), &cond), want, "{if_range:?}");
        }
    }

    #[test]
    fn validators_give_304() {
        let cond = |inm, ims| Conditions {
            if_none_match: inm,
            if_modified_since: ims,
            ..Default::default()
        };
        let r = rep();
        assert_eq!(plan(&r, &cond(Some("\"abc\""), None)), Plan::NotModified);
        assert_eq!(plan(&r, &cond(Some("W/\"abc\""), None)), Plan::NotModified);
        assert_eq!(
            plan(&r, &cond(Some("\"x\", \"abc\""), None)),
            Plan::NotModified
        );
        assert_eq!(plan(&r, &cond(Some("*"), None)), Plan::NotModified);
        assert_eq!(plan(&r, &cond(Some("\"x\""), None)), Plan::Full);
        let same = "Sun, 06 Nov 1994 08:49:37 GMT";
        let later = "Mon, 07 Nov 1994 08:49:37 GMT";
        let earlier = "Sat, 05 Nov 1994 08:49:37 GMT";
        assert_eq!(plan(&r, &cond(None, Some(same))), Plan::NotModified);
        assert_eq!(plan(&r, &cond(None, Some(later))), Plan::NotModified);
        assert_eq!(plan(&r, &cond(None, Some(earlier))), Plan::Full);
        assert_eq!(plan(&r, &cond(None, Some("garbage"))), Plan::Full);
        // If-None-Match wins over If-Modified-Since.
        assert_eq!(plan(&r, &cond(Some("\"x\""), Some(later))), Plan::Full);
    }

    #[test]
    fn http_dates_round_trip_in_all_three_forms() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(s), Some(t), "{s}");
        }
    }
}
