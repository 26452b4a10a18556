//! MPEG-TS segments that join cleanly whichever ffmpeg run made them.
//!
//! Each TS packet carries a 4-bit continuity counter per PID, which one ffmpeg run
//! counts on from segment to segment; a run started at segment `n` (a seek, a switch,
//! another instance) starts its counters afresh. Where a player plays segment `n - 1`
//! of one run and `n` of another, the counters jump, and demuxers flag the next packet
//! as corrupt (ffmpeg and mpv print `Packet corrupt`). MPEG-TS has the answer: a
//! packet whose adaptation field sets `discontinuity_indicator` says the counter may
//! jump there. [`discontinuity_prefix`] makes one such packet, with no payload, for
//! every PID of a segment, to be sent before it: every segment then starts a new count,
//! and any two join.

/// The size of a TS packet.
pub const PACKET: usize = 188;

const SYNC: u8 = 0x47;
const NULL_PID: u16 = 0x1fff;
const PAT_PID: u16 = 0;

/// How much of a segment's start [`prefix_of`] reads at most, and in what steps: the
/// program tables and the first packet of each stream come within the first step but
/// after a large keyframe.
pub const HEAD: usize = 256 * 1024;
const STEP: usize = 32 * 1024;

/// One packet's header fields.
struct Packet<'a> {
    pid: u16,
    unit_start: bool,
    has_payload: bool,
    cc: u8,
    payload: &'a [u8],
}

fn packet(p: &[u8]) -> Option<Packet<'_>> {
    if p.len() != PACKET || p[0] != SYNC {
        return None;
    }
    let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
    let control = (p[3] >> 4) & 0b11;
    let start = if control & 0b10 != 0 {
        5 + usize::from(p[4])
    } else {
        4
    };
    Some(Packet {
        pid,
        unit_start: p[1] & 0x40 != 0,
        has_payload: control & 0b01 != 0,
        cc: p[3] & 0x0f,
        payload: p.get(start..).unwrap_or_default(),
    })
}

/// The PIDs a PSI section lists: the PMT's PID from a PAT (`table_id` 0), the
/// elementary streams' from a PMT (`table_id` 2).
fn section_pids(payload: &[u8]) -> Vec<u16> {
    let Some((&pointer, rest)) = payload.split_first() else {
        return Vec::new();
    };
    let Some(section) = rest.get(usize::from(pointer)..) else {
        return Vec::new();
    };
    if section.len() < 8 {
        return Vec::new();
    }
    let length = usize::from(u16::from(section[1] & 0x0f) << 8 | u16::from(section[2]));
    // The entries end before the CRC (4 bytes), within the packet.
    let end = (3 + length).saturating_sub(4).min(section.len());
    let pid = |hi: u8, lo: u8| (u16::from(hi & 0x1f) << 8) | u16::from(lo);
    let mut pids = Vec::new();
    match section[0] {
        0x00 => {
            let mut at = 8;
            while at + 4 <= end {
                let program = u16::from(section[at]) << 8 | u16::from(section[at + 1]);
                if program != 0 {
                    pids.push(pid(section[at + 2], section[at + 3]));
                }
                at += 4;
            }
        }
        0x02 if section.len() >= 12 => {
            let info = usize::from(u16::from(section[10] & 0x0f) << 8 | u16::from(section[11]));
            let mut at = 12 + info;
            while at + 5 <= end {
                pids.push(pid(section[at + 1], section[at + 2]));
                let es_info = usize::from(
                    u16::from(section[at + 3] & 0x0f) << 8 | u16::from(section[at + 4]),
                );
                at += 5 + es_info;
            }
        }
        _ => {}
    }
    pids
}

/// The packets to send before the segment `file` ([`discontinuity_prefix`] of as much
/// of its start as it takes, at most [`HEAD`]); the file is left at its start.
///
/// # Errors
/// When the file cannot be read.
pub async fn prefix_of(file: &mut tokio::fs::File) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut head = Vec::with_capacity(STEP);
    let prefix = loop {
        let before = head.len();
        (&mut *file)
            .take(STEP as u64)
            .read_to_end(&mut head)
            .await?;
        let (prefix, complete) = discontinuity_prefix(&head);
        if complete || head.len() == before || head.len() >= HEAD {
            break prefix;
        }
    };
    file.seek(std::io::SeekFrom::Start(0)).await?;
    Ok(prefix)
}

/// Packets to send before the segment starting with `head`: for each PID in it, in
/// the order they first appear, an adaptation-only packet that sets the
/// discontinuity indicator and leads into the PID's first counter (empty when `head`
/// is not MPEG-TS); and whether `head` held the program tables and a packet of every
/// stream they name.
pub fn discontinuity_prefix(head: &[u8]) -> (Vec<u8>, bool) {
    // Each PID's counter as the packet before its first would carry it: one less than
    // a first packet with payload, the same as one without.
    let mut firsts: Vec<(u16, u8)> = Vec::new();
    let mut wanted: Vec<u16> = vec![PAT_PID];
    let mut tables_read: Vec<u16> = Vec::new();
    let mut complete = false;
    for p in head.chunks_exact(PACKET).map_while(packet) {
        if p.pid == NULL_PID {
            continue;
        }
        if !firsts.iter().any(|(pid, _)| *pid == p.pid) {
            let before = if p.has_payload {
                p.cc.wrapping_sub(1) & 0x0f
            } else {
                p.cc
            };
            firsts.push((p.pid, before));
        }
        if p.unit_start && p.has_payload && !tables_read.contains(&p.pid) {
            // The PAT names the PMT; the PMT names the streams.
            if p.pid == PAT_PID || tables_read.len() == 1 && wanted.contains(&p.pid) {
                tables_read.push(p.pid);
                for pid in section_pids(p.payload) {
                    if !wanted.contains(&pid) {
                        wanted.push(pid);
                    }
                }
            }
        }
        complete = tables_read.len() == 2
            && wanted
                .iter()
                .all(|w| firsts.iter().any(|(pid, _)| pid == w));
        if complete {
            break;
        }
    }
    let mut prefix = Vec::with_capacity(firsts.len() * PACKET);
    for (pid, cc) in firsts {
        let pid = pid.to_be_bytes();
        // No payload (adaptation field only), the field filling the packet: its
        // length, the flags with discontinuity_indicator, then stuffing.
        prefix.extend_from_slice(&[SYNC, pid[0] & 0x1f, pid[1], 0x20 | cc, 183, 0x80]);
        prefix.resize(prefix.len() + PACKET - 6, 0xff);
    }
    (prefix, complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(pid: u16, unit_start: bool, control: u8, cc: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![
            SYNC,
            (u8::from(unit_start) << 6) | ((pid >> 8) as u8 & 0x1f),
            pid as u8,
            (control << 4) | cc,
        ];
        if control & 0b10 != 0 {
            p.extend_from_slice(&[1, 0x40]);
        }
        p.extend_from_slice(payload);
        p.resize(PACKET, 0xff);
        p
    }

    fn pat(pmt: u16) -> Vec<u8> {
        // pointer, table 0, length 13, ts id, version, section numbers, program 1 -> pmt, CRC
        let mut s = vec![0, 0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1];
        s.extend_from_slice(&[0xe0 | (pmt >> 8) as u8, pmt as u8, 0, 0, 0, 0]);
        s
    }

    fn pmt(streams: &[u16]) -> Vec<u8> {
        let length = 13 + 5 * streams.len();
        let mut s = vec![
            0,
            0x02,
            0xb0,
            length as u8,
            0,
            1,
            0xc1,
            0,
            0,
            0xe1,
            0,
            0xf0,
            0,
        ];
        for pid in streams {
            s.extend_from_slice(&[0x1b, 0xe0 | (pid >> 8) as u8, *pid as u8, 0xf0, 0]);
        }
        s.extend_from_slice(&[0, 0, 0, 0]);
        s
    }

    #[test]
    fn every_pid_gets_a_discontinuity_leading_into_its_first_counter() {
        let mut head = Vec::new();
        head.extend(ts(0, true, 1, 4, &pat(0x1000)));
        head.extend(ts(0x1000, true, 1, 9, &pmt(&[0x100, 0x101])));
        head.extend(ts(0x100, true, 3, 0, b"video"));
        head.extend(ts(NULL_PID, false, 1, 0, b""));
        head.extend(ts(0x100, false, 1, 1, b"video"));
        head.extend(ts(0x101, true, 2, 7, b""));
        head.extend(ts(0x102, true, 1, 3, b"after the streams were all seen"));
        let (prefix, complete) = discontinuity_prefix(&head);
        assert!(complete, "the tables and both streams were seen");
        assert!(
            !discontinuity_prefix(&head[..PACKET * 3]).1,
            "the audio stream is missing"
        );
        let packets: Vec<Packet<'_>> = prefix.chunks_exact(PACKET).map_while(packet).collect();
        let got: Vec<(u16, u8, bool)> = packets
            .iter()
            .map(|p| (p.pid, p.cc, p.has_payload))
            .collect();
        // Payload packets follow their counter by one (0 follows 15); an
        // adaptation-only first packet keeps it.
        assert_eq!(
            got,
            [
                (0, 3, false),
                (0x1000, 8, false),
                (0x100, 15, false),
                (0x101, 7, false)
            ]
        );
        for p in prefix.chunks_exact(PACKET) {
            assert_eq!(
                (p[4], p[5] & 0x80),
                (183, 0x80),
                "the field fills the packet and flags the discontinuity"
            );
        }
    }

    #[test]
    fn what_is_not_mpeg_ts_gets_nothing() {
        assert_eq!(discontinuity_prefix(b""), (Vec::new(), false));
        assert_eq!(
            discontinuity_prefix(&[0u8; PACKET * 3]),
            (Vec::new(), false)
        );
    }
}
