//! Reading a file's media facts from its container headers, in process.
//!
//! Running `ffprobe` costs about 70 ms a file, most of it starting the program; the
//! headers of an MP4/MOV/M4V or Matroska/WebM file hold the same facts and take well under
//! a millisecond to read. [`probe`] answers what [`super::probe::parse`] would make of
//! `ffprobe -show_format -show_streams` for the files it understands, and `None` for the
//! rest, so the scanner runs ffprobe only for those. [`cover_art`] finds the picture
//! embedded in the same containers.
//!
//! # Answering as ffprobe would, or not at all
//! ffprobe's figures come partly from the container and partly from the decoders it
//! opens: a video's size, profile, level and pixel format are those of the H.264/HEVC
//! sequence parameter set (or the VP9/VP8 first frame, the AV1 sequence header), and an
//! audio stream's channel count is what its decoder outputs (the AAC
//! AudioSpecificConfig, the first AC-3/E-AC-3/MP3/DTS frame, the Opus/Vorbis/FLAC/ALAC
//! header). This module reads those same headers and follows FFmpeg's rules for stream
//! order and numbering, dispositions, languages, titles (Matroska tags and QuickTime keys
//! included), frame rates and bit rates. Wherever a file holds something those rules do
//! not cover here, or where FFmpeg versions disagree, the answer is `None` rather than a
//! guess: fragmented MP4, full-range 8-bit video (`yuvj420p` in FFmpeg 5, `yuv420p`
//! later), monochrome or RGB video, HEVC Rext, MPEG-2/MPEG-4 Part 2 and other codecs not
//! read here, mono AAC-LC (which may decode to stereo), E-AC-3 with dependent substreams,
//! DTS with extensions, TrueHD, Matroska without a duration (live streams) or with
//! WebVTT under its newer CodecID.
//!
//! # Limits
//! The rules are those of FFmpeg 5.1 (Debian 12), against whose ffprobe the answers were
//! compared. This reader does not decode: where the first frames or a codec's setup data
//! are damaged, ffprobe reports less (no profile or pixel format) or fails, while the
//! headers here still give an answer.
//!
//! # Hostile input
//! Every read is positional and bounded: no allocation is sized by a field before the
//! field is checked against the file and a cap (64 MiB for `moov`, 16 MiB for a Matroska
//! header element, 10 MiB for a cover), the number of boxes, elements, reads and bytes
//! read is capped, nesting is limited, and every loop advances. Nothing here panics on
//! any input; a file that does not parse cleanly is simply not answered.

use super::probe::{AudioStream, MediaInfo, SubtitleStream, VideoStream};
use std::cell::Cell;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// The largest MP4 `moov` box read into memory.
const MAX_MOOV: u64 = 64 << 20;
/// The largest Matroska header element (SeekHead, Info, Tracks, Tags) read into memory.
const MAX_MASTER: u64 = 16 << 20;
/// The largest cover picture returned.
const MAX_COVER: u64 = 10 << 20;
/// The most bytes of one frame read to learn its codec's parameters.
const MAX_FRAME_PEEK: u64 = 64 << 10;
/// The most positional reads one call makes.
const MAX_READS: u32 = 20_000;
/// The most bytes one call reads into memory.
const MAX_BYTES: u64 = 160 << 20;
/// The most boxes or elements one call visits.
const MAX_NODES: u32 = 200_000;

/// Reads the media facts of an MP4/MOV/M4V or Matroska/WebM file from its headers, in
/// process.
///
/// `size` is the file's length. `None` when the file is not one of these containers or
/// holds something this reader does not understand well enough to answer exactly as
/// ffprobe would (the caller then runs ffprobe).
pub fn probe(file: &File, size: u64) -> Option<MediaInfo> {
    probe_source(file, size)
}

/// The cover art embedded in the container (MP4 `covr` in moov/udta/meta/ilst, an MP4
/// track that is an attached picture, Matroska attachments named cover.* / with image MIME
/// types), at most 10 MiB: (bytes, "image/jpeg" | "image/png").
pub fn cover_art(file: &File, size: u64) -> Option<(Vec<u8>, &'static str)> {
    cover_art_source(file, size)
}

fn probe_source(src: &dyn ReadAt, size: u64) -> Option<MediaInfo> {
    let input = Input::new(src, size);
    let facts = match sniff(&input)? {
        Family::Mp4 => mp4::probe(&input)?,
        Family::Matroska => mkv::probe(&input)?,
    };
    facts.into_media_info(size)
}

fn cover_art_source(src: &dyn ReadAt, size: u64) -> Option<(Vec<u8>, &'static str)> {
    let input = Input::new(src, size);
    let (offset, len) = match sniff(&input)? {
        Family::Mp4 => mp4::cover(&input)?,
        Family::Matroska => mkv::cover(&input)?,
    };
    let bytes = input.read(offset, len, MAX_COVER)?;
    let mime = image_mime(&bytes)?;
    Some((bytes, mime))
}

/// The MIME type of a JPEG or PNG picture, by its first bytes.
fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// The container families read here.
enum Family {
    Mp4,
    Matroska,
}

/// Which family a file's first bytes belong to.
fn sniff(input: &Input) -> Option<Family> {
    let head: [u8; 8] = input.array(0)?;
    if head[..4] == [0x1A, 0x45, 0xDF, 0xA3] {
        return Some(Family::Matroska);
    }
    // MP4 and QuickTime files start with a box: ftyp, or in old QuickTime files moov,
    // mdat, free, skip or wide.
    match &head[4..] {
        b"ftyp" | b"moov" | b"mdat" | b"free" | b"skip" | b"wide" => Some(Family::Mp4),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// What the containers yield, and how ffprobe's answer is made of it.

/// The facts of one file, streams in ffprobe's order.
struct Facts {
    /// The format duration in microseconds, as FFmpeg holds it.
    duration_us: i64,
    title: Option<String>,
    streams: Vec<Stream>,
}

/// One stream as `probe::parse` sees it.
enum Stream {
    /// The first real video stream, understood.
    Video(VideoStream),
    /// Any stream `parse` skips: cover art, further video, data, attachments.
    Ignored,
    Audio(Audio),
    Subtitle(Subtitle),
}

struct Audio {
    codec: &'static str,
    channels: i32,
    language: Option<String>,
    title: Option<String>,
    default: bool,
}

struct Subtitle {
    codec: &'static str,
    language: Option<String>,
    title: Option<String>,
    forced: bool,
}

impl Facts {
    /// The answer `probe::parse` gives for these facts: the format bit rate is FFmpeg's
    /// `size * 8 / duration` in floating point, truncated.
    fn into_media_info(self, size: u64) -> Option<MediaInfo> {
        if self.duration_us <= 0 {
            return None;
        }
        let bit_rate = (size as f64) * 8.0 * 1_000_000.0 / (self.duration_us as f64);
        let mut info = MediaInfo {
            duration: Some(self.duration_us as f64 / 1_000_000.0),
            bit_rate: Some(bit_rate as i64).filter(|b| *b > 0 && bit_rate <= i64::MAX as f64),
            title: self.title.filter(|t| !t.trim().is_empty()),
            ..MediaInfo::default()
        };
        for (index, stream) in self.streams.into_iter().enumerate() {
            let index = i32::try_from(index).ok()?;
            match stream {
                Stream::Video(video) if info.video.is_none() => info.video = Some(video),
                Stream::Video(_) | Stream::Ignored => {}
                Stream::Audio(a) => info.audio.push(AudioStream {
                    index,
                    codec: a.codec.to_owned(),
                    channels: Some(a.channels),
                    language: known_language(a.language),
                    title: a.title,
                    default: a.default,
                }),
                Stream::Subtitle(s) => info.subtitles.push(SubtitleStream {
                    index,
                    codec: s.codec.to_owned(),
                    language: known_language(s.language),
                    title: s.title,
                    forced: s.forced,
                }),
            }
        }
        // `parse` refuses a file without audio or video: leave that to ffprobe.
        (info.video.is_some() || !info.audio.is_empty()).then_some(info)
    }
}

/// A language tag as `parse` keeps it: `und` and empty are none.
fn known_language(language: Option<String>) -> Option<String> {
    language.filter(|l| l != "und" && !l.is_empty())
}

/// A stored string as FFmpeg reads it: up to the first NUL. `None` when it is not UTF-8
/// (ffprobe would print it altered).
fn c_string(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    std::str::from_utf8(&bytes[..end]).ok().map(str::to_owned)
}

// ---------------------------------------------------------------------------------------
// Reading the file.

/// Positional reads: the probed file, or in tests a byte buffer.
trait ReadAt {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

/// The file being probed, with a budget of reads and visited nodes.
struct Input<'a> {
    src: &'a dyn ReadAt,
    size: u64,
    reads: Cell<u32>,
    nodes: Cell<u32>,
    bytes: Cell<u64>,
}

impl<'a> Input<'a> {
    fn new(src: &'a dyn ReadAt, size: u64) -> Self {
        Self {
            src,
            size,
            reads: Cell::new(0),
            nodes: Cell::new(0),
            bytes: Cell::new(0),
        }
    }

    /// Counts one visited box or element; `None` once the budget is spent.
    fn visit(&self) -> Option<()> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        (n <= MAX_NODES).then_some(())
    }

    /// Fills `buf` from `offset`; `None` past the end of the file or on an error.
    fn fill(&self, offset: u64, buf: &mut [u8]) -> Option<()> {
        let end = offset.checked_add(buf.len() as u64)?;
        if end > self.size {
            return None;
        }
        let mut done = 0;
        while done < buf.len() {
            let n = self.reads.get() + 1;
            self.reads.set(n);
            if n > MAX_READS {
                return None;
            }
            match self.src.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => return None,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(())
    }

    /// `len` bytes at `offset`, if `len` is at most `cap`, they are in the file and the
    /// budget of bytes read allows.
    fn read(&self, offset: u64, len: u64, cap: u64) -> Option<Vec<u8>> {
        if len > cap || offset.checked_add(len)? > self.size {
            return None;
        }
        let total = self.bytes.get().checked_add(len)?;
        if total > MAX_BYTES {
            return None;
        }
        self.bytes.set(total);
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        self.fill(offset, &mut bytes)?;
        Some(bytes)
    }

    /// At most `len` bytes at `offset`: fewer at the end of the file.
    fn read_upto(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        let len = len.min(self.size.checked_sub(offset)?);
        self.read(offset, len, len)
    }

    fn array<const N: usize>(&self, offset: u64) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        self.fill(offset, &mut bytes)?;
        Some(bytes)
    }
}

/// Big-endian reads from a byte slice.
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) << 16 | u32::from(s[1]) << 8 | u32::from(s[2]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

// ---------------------------------------------------------------------------------------
// FFmpeg's arithmetic.

/// `av_rescale(a, b, c)`: a * b / c rounded to nearest, for non-negative operands.
fn rescale(a: u64, b: u64, c: u64) -> Option<i64> {
    if c == 0 {
        return None;
    }
    let v = (u128::from(a) * u128::from(b) + u128::from(c / 2)) / u128::from(c);
    i64::try_from(v).ok()
}

/// `av_reduce`: the fraction num/den reduced, or its best approximation with both terms
/// at most `max`, as FFmpeg computes it (its frame rates are made this way).
fn av_reduce(num: i64, den: i64, max: i64) -> Option<(i64, i64)> {
    if num <= 0 || den <= 0 || max <= 0 {
        return None;
    }
    let g = gcd(num, den);
    let (mut num, mut den) = (num / g, den / g);
    let (mut a0, mut a1) = ((0i64, 1i64), (1i64, 0i64));
    if num <= max && den <= max {
        return Some((num, den));
    }
    while den != 0 {
        let x = num / den;
        let next_den = num - den.checked_mul(x)?;
        let a2n = x.checked_mul(a1.0)?.checked_add(a0.0)?;
        let a2d = x.checked_mul(a1.1)?.checked_add(a0.1)?;
        if a2n > max || a2d > max {
            let mut x = x;
            if a1.0 != 0 {
                x = (max - a0.0) / a1.0;
            }
            if a1.1 != 0 {
                x = x.min((max - a0.1) / a1.1);
            }
            let lhs = i128::from(den) * (2 * i128::from(x) * i128::from(a1.1) + i128::from(a0.1));
            if lhs > i128::from(num) * i128::from(a1.1) {
                a1 = (x * a1.0 + a0.0, x * a1.1 + a0.1);
            }
            break;
        }
        a0 = a1;
        a1 = (a2n, a2d);
        num = den;
        den = next_den;
    }
    (a1.1 > 0 && a1.0 > 0).then_some(a1)
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A frame rate as `parse` computes it from ffprobe's `num/den`.
fn rate((num, den): (i64, i64)) -> f64 {
    num as f64 / den as f64
}

// ---------------------------------------------------------------------------------------
// Bit-level reading for codec headers.

/// An MSB-first bit reader; every read is checked.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    /// The bit length of the data.
    end: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            end: data.len() * 8,
        }
    }

    /// A NAL unit's RBSP without its stop bit and trailing zeros, as FFmpeg sizes it.
    fn rbsp(data: &'a [u8]) -> Self {
        let end = data
            .iter()
            .rposition(|b| *b != 0)
            .map_or(0, |i| i * 8 + 7 - data[i].trailing_zeros() as usize);
        Self { data, pos: 0, end }
    }

    /// The bits not yet read.
    fn left(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// The next bit, not consumed (0 past the end, as FFmpeg's padding reads).
    fn peek(&self) -> bool {
        self.pos < self.end
            && self
                .data
                .get(self.pos / 8)
                .is_some_and(|byte| byte >> (7 - self.pos % 8) & 1 == 1)
    }

    fn flag(&mut self) -> Option<bool> {
        if self.pos >= self.end {
            return None;
        }
        let byte = *self.data.get(self.pos / 8)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(bit == 1)
    }

    /// `n` (at most 32) bits as an unsigned number.
    fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v: u64 = 0;
        for _ in 0..n.min(32) {
            v = v << 1 | u64::from(self.flag()?);
        }
        u32::try_from(v).ok()
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        let pos = self.pos.checked_add(n)?;
        (pos <= self.end).then(|| self.pos = pos)
    }

    /// An unsigned Exp-Golomb number.
    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.flag()? {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = u64::from(self.bits(zeros)?);
        u32::try_from((1u64 << zeros) - 1 + rest).ok()
    }

    /// A signed Exp-Golomb number.
    fn se(&mut self) -> Option<i32> {
        let k = i64::from(self.ue()?);
        let v = if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) };
        i32::try_from(v).ok()
    }

    /// An AV1 `uvlc()`.
    fn uvlc(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while !self.flag()? {
            zeros += 1;
            if zeros >= 32 {
                return None;
            }
        }
        let rest = u64::from(self.bits(zeros)?);
        u32::try_from(rest + (1u64 << zeros) - 1).ok()
    }
}

/// A NAL unit's payload without its emulation prevention bytes.
fn unescape_nal(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Video codec headers.

/// What ffprobe reports of a video stream, from its codec's own headers.
struct VideoFacts {
    codec: &'static str,
    profile: Option<String>,
    level: Option<i32>,
    width: u32,
    height: u32,
    pixel_format: &'static str,
}

impl VideoFacts {
    fn into_stream(self, bit_rate: Option<i64>, frame_rate: Option<f64>) -> Option<Stream> {
        Some(Stream::Video(VideoStream {
            codec: self.codec.to_owned(),
            profile: self.profile,
            level: self.level.filter(|l| *l > 0),
            width: i32::try_from(self.width).ok()?,
            height: i32::try_from(self.height).ok()?,
            bit_rate,
            frame_rate,
            pixel_format: Some(self.pixel_format.to_owned()),
        }))
    }
}

/// What the container says about a video track that the H.264 decoder also looks at.
#[derive(Clone, Copy, Default)]
struct VideoContext {
    /// The coded size the container declares (the decoder may crop to it).
    width: u32,
    height: u32,
    /// The container declares full range (used when the SPS does not say).
    full_range: bool,
    /// The container declares the RGB (identity) matrix (used when the SPS does not say).
    rgb: bool,
}

/// The planar YUV pixel format FFmpeg names for a chroma format (1 = 4:2:0, 2 = 4:2:2,
/// 3 = 4:4:4) and bit depth.
fn yuv_format(chroma: u32, depth: u32) -> Option<&'static str> {
    Some(match (chroma, depth) {
        (1, 8) => "yuv420p",
        (2, 8) => "yuv422p",
        (3, 8) => "yuv444p",
        (1, 9) => "yuv420p9le",
        (2, 9) => "yuv422p9le",
        (3, 9) => "yuv444p9le",
        (1, 10) => "yuv420p10le",
        (2, 10) => "yuv422p10le",
        (3, 10) => "yuv444p10le",
        (1, 12) => "yuv420p12le",
        (2, 12) => "yuv422p12le",
        (3, 12) => "yuv444p12le",
        (1, 14) => "yuv420p14le",
        (2, 14) => "yuv422p14le",
        (3, 14) => "yuv444p14le",
        _ => return None,
    })
}

mod h264 {
    use super::{be16, unescape_nal, yuv_format, Bits, VideoContext, VideoFacts};

    /// The video facts of an `avcC` record (MP4 `avcC`, Matroska CodecPrivate). The
    /// decoder refuses the whole record (and then decodes nothing) if a parameter set in
    /// it is out of bounds or invalid, so all of them are checked.
    pub(super) fn from_avcc(avcc: &[u8], ctx: VideoContext) -> Option<VideoFacts> {
        // configurationVersion 1; FFmpeg reads anything else as Annex B.
        if avcc.len() < 7 || avcc[0] != 1 || avcc[5] & 0x1F != 1 {
            return None;
        }
        let len = usize::from(be16(avcc, 6)?);
        let nal = avcc.get(8..8 + len)?;
        if nal.first()? & 0x1F != 7 {
            return None;
        }
        let (facts, sps) = parse_sps(&unescape_nal(&nal[1..]), ctx)?;
        let mut at = 8 + len;
        let count = *avcc.get(at)?;
        at += 1;
        if count == 0 {
            return None; // the picture parameter sets come in band, if at all
        }
        for _ in 0..count {
            let len = usize::from(be16(avcc, at)?);
            let nal = avcc.get(at + 2..at + 2 + len)?;
            if nal.first()? & 0x1F != 8 {
                return None;
            }
            pps(&unescape_nal(&nal[1..]), &sps)?;
            at += 2 + len;
        }
        Some(facts)
    }

    /// What a picture parameter set is checked against.
    struct Sps {
        id: u32,
        profile_idc: u32,
        constraints: u32,
        chroma: u32,
    }

    /// Checks a picture parameter set as FFmpeg does.
    fn pps(rbsp: &[u8], sps: &Sps) -> Option<()> {
        let mut b = Bits::rbsp(rbsp);
        if b.ue()? > 255 || b.ue()? != sps.id {
            return None;
        }
        b.flag()?; // entropy_coding_mode_flag
        b.flag()?; // bottom_field_pic_order_in_frame_present_flag
        if b.ue()? > 0 {
            b.ue()?; // slice_group_map_type: FFmpeg reads no further
            return Some(());
        }
        if b.ue()? > 31 || b.ue()? > 31 {
            return None; // num_ref_idx_l0/l1_default_active_minus1
        }
        b.flag()?; // weighted_pred_flag
        b.bits(2)?; // weighted_bipred_idc
        b.se()?; // pic_init_qp_minus26
        b.se()?; // pic_init_qs_minus26
        if !(-12..=12).contains(&b.se()?) {
            return None; // chroma_qp_index_offset
        }
        b.skip(3)?; // deblocking, constrained intra, redundant picture count
        let constrained = matches!(sps.profile_idc, 66 | 77 | 88) && sps.constraints & 0xE0 != 0;
        if b.left() > 0 && !constrained {
            let transform_8x8 = b.flag()?;
            if b.flag()? {
                let lists = 6 + if transform_8x8 {
                    if sps.chroma == 3 {
                        6
                    } else {
                        2
                    }
                } else {
                    0
                };
                for i in 0..lists {
                    if b.flag()? {
                        scaling_list(&mut b, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
            if !(-12..=12).contains(&b.se()?) {
                return None; // second_chroma_qp_index_offset
            }
        }
        Some(())
    }

    /// The facts the H.264 decoder derives from a sequence parameter set.
    fn parse_sps(rbsp: &[u8], ctx: VideoContext) -> Option<(VideoFacts, Sps)> {
        let mut b = Bits::rbsp(rbsp);
        let profile_idc = b.bits(8)?;
        let constraints = b.bits(8)?;
        let level_idc = b.bits(8)?;
        let id = b.ue()?;
        if id >= 32 {
            return None;
        }
        let (mut chroma, mut depth) = (1, 8);
        if matches!(
            profile_idc,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 144
        ) {
            chroma = b.ue()?;
            if chroma == 3 && b.flag()? {
                return None; // separate colour planes
            }
            depth = b.ue()?.saturating_add(8);
            if b.ue()?.saturating_add(8) != depth {
                return None; // FFmpeg refuses differing luma and chroma depths
            }
            b.flag()?; // qpprime_y_zero_transform_bypass_flag
            if b.flag()? {
                let lists = if chroma == 3 { 12 } else { 8 };
                for i in 0..lists {
                    if b.flag()? {
                        scaling_list(&mut b, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        // FFmpeg refuses an SPS with values out of these ranges (and so decodes nothing).
        if b.ue()? > 12 {
            return None; // log2_max_frame_num_minus4
        }
        match b.ue()? {
            0 => {
                if b.ue()? > 12 {
                    return None; // log2_max_pic_order_cnt_lsb_minus4
                }
            }
            1 => {
                b.flag()?;
                b.se()?;
                b.se()?;
                let cycle = b.ue()?;
                if cycle > 255 {
                    return None;
                }
                for _ in 0..cycle {
                    b.se()?;
                }
            }
            2 => {}
            _ => return None,
        }
        if b.ue()? > 16 {
            return None; // max_num_ref_frames
        }
        b.flag()?; // gaps_in_frame_num_value_allowed_flag
        let mb_width = b.ue()? + 1;
        let map_units = b.ue()? + 1;
        let frame_mbs_only = b.flag()?;
        if !frame_mbs_only {
            b.flag()?; // mb_adaptive_frame_field_flag
        }
        b.flag()?; // direct_8x8_inference_flag
        let mb_height = map_units.checked_mul(if frame_mbs_only { 1 } else { 2 })?;
        let (coded_w, coded_h) = (mb_width.checked_mul(16)?, mb_height.checked_mul(16)?);
        // av_image_check_size
        if 8 * (u64::from(coded_w) + 128) * (u64::from(coded_h) + 128) >= i32::MAX as u64 {
            return None;
        }
        let [mut left, mut right, mut top, mut bottom] = [0u32; 4];
        if b.flag()? {
            let step_x = if chroma == 1 || chroma == 2 { 2 } else { 1 };
            let step_y = (if frame_mbs_only { 1 } else { 2 }) * if chroma == 1 { 2 } else { 1 };
            let crop = [b.ue()?, b.ue()?, b.ue()?, b.ue()?];
            if crop.iter().any(|c| *c > 4096) {
                return None;
            }
            [left, right, top, bottom] = [
                crop[0] * step_x,
                crop[1] * step_x,
                crop[2] * step_y,
                crop[3] * step_y,
            ];
            if left + right >= coded_w || top + bottom >= coded_h {
                return None; // FFmpeg rejects the SPS
            }
        }
        let signal = if b.flag()? {
            vui(&mut b)?
        } else {
            Signal::default()
        };
        // The colour range and matrix decide between yuv*, yuvj* and gbrp*; FFmpeg takes
        // the container's when the SPS has none, and versions differ on yuvj: only plain
        // limited-range YUV is answered.
        let full_range = if signal.present {
            signal.full_range
        } else {
            ctx.full_range
        };
        let rgb = signal.matrix.map_or(ctx.rgb, |m| m == 0);
        if (depth == 8 && full_range) || (chroma == 3 && rgb) {
            return None;
        }
        // Monochrome decodes as 4:2:0 in FFmpeg 5 and as gray in later versions.
        let pixel_format = yuv_format(chroma, depth)?;
        let (mut width, mut height) = (coded_w - left - right, coded_h - top - bottom);
        // FFmpeg's "container cropping": a smaller size from the container wins when it
        // rounds to the same macroblocks and the SPS crops neither top nor left.
        let align = |v: u32| (u64::from(v) + 15) & !15;
        if ctx.width > 0
            && ctx.height > 0
            && top == 0
            && left == 0
            && align(ctx.width) == align(width)
            && align(ctx.height) == align(height)
            && ctx.width <= width
            && ctx.height <= height
        {
            (width, height) = (ctx.width, ctx.height);
        }
        let facts = VideoFacts {
            codec: "h264",
            profile: Some(profile(profile_idc, constraints)?.to_owned()),
            level: i32::try_from(level_idc).ok(),
            width,
            height,
            pixel_format,
        };
        let sps = Sps {
            id,
            profile_idc,
            constraints,
            chroma,
        };
        Some((facts, sps))
    }

    /// FFmpeg's name of an H.264 profile (`ff_h264_get_profile`, `ff_h264_profiles`).
    fn profile(idc: u32, constraints: u32) -> Option<&'static str> {
        let set1 = constraints & 0x40 != 0;
        let set3 = constraints & 0x10 != 0;
        Some(match idc {
            66 if set1 => "Constrained Baseline",
            66 => "Baseline",
            77 => "Main",
            88 => "Extended",
            100 => "High",
            110 if set3 => "High 10 Intra",
            110 => "High 10",
            122 if set3 => "High 4:2:2 Intra",
            122 => "High 4:2:2",
            244 if set3 => "High 4:4:4 Intra",
            244 => "High 4:4:4 Predictive",
            44 => "CAVLC 4:4:4",
            _ => return None,
        })
    }

    fn scaling_list(b: &mut Bits, size: usize) -> Option<()> {
        let (mut last, mut next) = (8i32, 8i32);
        for _ in 0..size {
            if next != 0 {
                let delta = b.se()?;
                if !(-128..=127).contains(&delta) {
                    return None;
                }
                next = (last + delta + 256).rem_euclid(256);
            }
            if next != 0 {
                last = next;
            }
        }
        Some(())
    }

    /// The colour signalling at the start of the VUI.
    #[derive(Default)]
    struct Signal {
        present: bool,
        full_range: bool,
        matrix: Option<u32>,
    }

    /// The VUI, with the checks that make FFmpeg refuse the SPS; its colour signalling.
    fn vui(b: &mut Bits) -> Option<Signal> {
        if b.flag()? {
            match b.bits(8)? {
                255 => b.skip(32)?, // sar_width, sar_height
                0..=16 => {}
                _ => return None,
            }
        }
        if b.flag()? {
            b.flag()?; // overscan_appropriate_flag
        }
        let mut signal = Signal::default();
        if b.flag()? {
            b.bits(3)?; // video_format
            signal.present = true;
            signal.full_range = b.flag()?;
            if b.flag()? {
                b.bits(16)?; // colour_primaries, transfer_characteristics
                signal.matrix = Some(b.bits(8)?);
            }
        }
        if b.flag()? {
            b.ue()?; // chroma_sample_loc_type_top_field
            b.ue()?;
        }
        // FFmpeg accepts a VUI cut short here.
        if b.peek() && b.left() < 10 {
            return Some(signal);
        }
        if b.flag()? {
            b.skip(65)?; // num_units_in_tick, time_scale, fixed_frame_rate_flag
        }
        let nal_hrd = b.flag()?;
        if nal_hrd {
            hrd(b)?;
        }
        let vcl_hrd = b.flag()?;
        if vcl_hrd {
            hrd(b)?;
        }
        if nal_hrd || vcl_hrd {
            b.flag()?; // low_delay_hrd_flag
        }
        b.flag()?; // pic_struct_present_flag
        if b.left() == 0 {
            return Some(signal);
        }
        if b.flag()? {
            b.flag()?; // motion_vectors_over_pic_boundaries_flag
            for _ in 0..4 {
                b.ue()?;
            }
            if b.ue()? > 16 {
                return None; // num_reorder_frames
            }
            b.ue()?; // max_dec_frame_buffering
        }
        Some(signal)
    }

    /// HRD parameters; FFmpeg refuses more than 32 CPB specifications.
    fn hrd(b: &mut Bits) -> Option<()> {
        let count = b.ue()?.checked_add(1)?;
        if count > 32 {
            return None;
        }
        b.skip(8)?; // bit_rate_scale, cpb_size_scale
        for _ in 0..count {
            b.ue()?;
            b.ue()?;
            b.flag()?;
        }
        b.skip(20) // delay and offset lengths
    }
}

mod hevc {
    use super::{be16, unescape_nal, yuv_format, Bits, VideoFacts};

    /// The video facts of an `hvcC` record (MP4 `hvcC`, Matroska CodecPrivate).
    pub(super) fn from_hvcc(hvcc: &[u8]) -> Option<VideoFacts> {
        // configurationVersion 1; FFmpeg reads a record starting 0 0 0/1 as Annex B.
        if hvcc.len() < 23 || hvcc[0] != 1 {
            return None;
        }
        let arrays = hvcc[22];
        let mut at = 23;
        let mut sps = None;
        let mut vps_ids = Vec::new();
        for _ in 0..arrays {
            let kind = hvcc.get(at)? & 0x3F;
            let count = be16(hvcc, at + 1)?;
            at += 3;
            for _ in 0..count {
                let len = usize::from(be16(hvcc, at)?);
                let nal = hvcc.get(at + 2..at + 2 + len)?;
                at += 2 + len;
                if kind == 32 {
                    vps_ids.push(nal.get(2)? >> 4);
                }
                if kind == 33 {
                    if sps.is_some() {
                        return None; // which one a slice uses is not known here
                    }
                    sps = Some(nal);
                }
            }
        }
        let nal = sps?;
        if nal.len() < 3 || (nal[0] >> 1) & 0x3F != 33 || !vps_ids.contains(&(nal[2] >> 4)) {
            return None; // FFmpeg refuses an SPS whose VPS it has not seen
        }
        parse_sps(&unescape_nal(&nal[2..]))
    }

    /// The facts the HEVC decoder derives from a sequence parameter set.
    fn parse_sps(rbsp: &[u8]) -> Option<VideoFacts> {
        let mut b = Bits::rbsp(rbsp);
        b.bits(4)?; // sps_video_parameter_set_id
        let sub_layers = b.bits(3)?;
        b.flag()?; // sps_temporal_id_nesting_flag
        let (profile_idc, level_idc) = profile_tier_level(&mut b, sub_layers)?;
        // The checks below are those that make FFmpeg refuse the SPS.
        if b.ue()? >= 16 {
            return None; // sps_seq_parameter_set_id
        }
        let chroma = b.ue()?;
        if chroma == 3 && b.flag()? {
            return None; // separate colour planes
        }
        let (width, height) = (b.ue()?, b.ue()?);
        if width == 0
            || height == 0
            || 8 * (u64::from(width) + 128) * (u64::from(height) + 128) >= i32::MAX as u64
        {
            return None; // av_image_check_size
        }
        let mut window = [0u32; 4];
        if b.flag()? {
            let sub_w = if chroma == 1 || chroma == 2 { 2 } else { 1 };
            let sub_h = if chroma == 1 { 2 } else { 1 };
            for (i, w) in window.iter_mut().enumerate() {
                let v = b.ue()?;
                if v > 16888 {
                    return None;
                }
                *w = v * if i < 2 { sub_w } else { sub_h };
            }
        }
        let depth = b.ue()?.saturating_add(8);
        if b.ue()?.saturating_add(8) != depth {
            return None; // FFmpeg refuses differing luma and chroma depths
        }
        let log2_poc_lsb = b.ue()?.saturating_add(4);
        if log2_poc_lsb > 16 {
            return None;
        }
        let first = if b.flag()? { 0 } else { sub_layers };
        for _ in first..=sub_layers {
            if b.ue()? >= 16 {
                return None; // max_dec_pic_buffering beyond the DPB
            }
            b.ue()?;
            b.ue()?;
        }
        block_sizes(&mut b, width, height)?;
        if b.flag()? && b.flag()? {
            scaling_list_data(&mut b)?;
        }
        b.flag()?; // amp_enabled_flag
        b.flag()?; // sample_adaptive_offset_enabled_flag
        if b.flag()? {
            let (luma, chroma_bits) = (b.bits(4)? + 1, b.bits(4)? + 1);
            if luma.max(chroma_bits) > depth {
                return None;
            }
            b.ue()?;
            b.ue()?;
            b.flag()?;
        }
        short_term_ref_pic_sets(&mut b)?;
        if b.flag()? {
            let n = b.ue()?;
            if n > 32 {
                return None;
            }
            for _ in 0..n {
                b.bits(log2_poc_lsb)?;
                b.flag()?;
            }
        }
        b.flag()?; // sps_temporal_mvp_enabled_flag
        b.flag()?; // strong_intra_smoothing_enabled_flag
        let full_range = b.flag()? && vui_full_range(&mut b)?;
        let pixel_format = yuv_format(chroma, depth)?;
        // 8-bit 4:2:0 full range is yuvj420p in FFmpeg 5, yuv420p in later versions.
        if full_range && pixel_format == "yuv420p" {
            return None;
        }
        let [left, right, top, bottom] = window;
        if left + right >= width || top + bottom >= height {
            return None;
        }
        Some(VideoFacts {
            codec: "hevc",
            profile: Some(
                match profile_idc {
                    1 => "Main",
                    2 => "Main 10",
                    3 => "Main Still Picture",
                    _ => return None,
                }
                .to_owned(),
            ),
            level: i32::try_from(level_idc).ok(),
            width: width - left - right,
            height: height - top - bottom,
            pixel_format,
        })
    }

    /// The coding and transform block sizes, checked as FFmpeg checks them.
    fn block_sizes(b: &mut Bits, width: u32, height: u32) -> Option<()> {
        let min_cb = b.ue()?.checked_add(3)?;
        let diff_cb = b.ue()?;
        let min_tb = b.ue()?.checked_add(2)?;
        let diff_tb = b.ue()?;
        let (depth_inter, depth_intra) = (b.ue()?, b.ue()?);
        let ctb = min_cb.checked_add(diff_cb)?;
        let max_tb = min_tb.checked_add(diff_tb)?;
        let ok = (3..=30).contains(&min_cb)
            && diff_cb <= 30
            && min_tb < min_cb
            && diff_tb <= 30
            && (4..=6).contains(&ctb)
            && width.is_multiple_of(1 << min_cb)
            && height.is_multiple_of(1 << min_cb)
            && depth_inter <= ctb.saturating_sub(min_tb)
            && depth_intra <= ctb.saturating_sub(min_tb)
            && max_tb <= ctb.min(5);
        ok.then_some(())
    }

    /// The general profile (as FFmpeg infers it) and level.
    fn profile_tier_level(b: &mut Bits, sub_layers: u32) -> Option<(u32, u32)> {
        b.bits(2)?; // general_profile_space
        b.flag()?; // general_tier_flag
        let mut profile = b.bits(5)?;
        for i in 0..32 {
            if b.flag()? && profile == 0 && i > 0 {
                profile = i;
            }
        }
        b.skip(48)?; // source flags and constraint flags
        let level = b.bits(8)?;
        let mut present = Vec::new();
        for _ in 0..sub_layers {
            present.push((b.flag()?, b.flag()?));
        }
        if sub_layers > 0 {
            b.skip(2 * (8 - sub_layers as usize))?;
        }
        for (profile_present, level_present) in present {
            if profile_present {
                b.skip(88)?;
            }
            if level_present {
                b.skip(8)?;
            }
        }
        Some((profile, level))
    }

    fn scaling_list_data(b: &mut Bits) -> Option<()> {
        for size_id in 0..4 {
            let step = if size_id == 3 { 3 } else { 1 };
            for _ in (0..6).step_by(step) {
                if !b.flag()? {
                    b.ue()?; // scaling_list_pred_matrix_id_delta
                } else {
                    let coefs = 64.min(1 << (4 + (size_id << 1)));
                    if size_id > 1 {
                        b.se()?;
                    }
                    for _ in 0..coefs {
                        b.se()?;
                    }
                }
            }
        }
        Some(())
    }

    fn short_term_ref_pic_sets(b: &mut Bits) -> Option<()> {
        let count = b.ue()?;
        if count > 64 {
            return None;
        }
        // The number of delta POCs of each set, which later sets may refer to.
        let mut deltas: Vec<u32> = Vec::new();
        for idx in 0..count as usize {
            let predicted = idx != 0 && b.flag()?;
            let n = if predicted {
                b.flag()?; // delta_rps_sign
                b.ue()?; // abs_delta_rps_minus1
                let reference = *deltas.get(idx - 1)?;
                let mut n = 0;
                for _ in 0..=reference {
                    let used = b.flag()?;
                    if used || b.flag()? {
                        n += 1;
                    }
                }
                n
            } else {
                let (negative, positive) = (b.ue()?, b.ue()?);
                if negative >= 16 || positive >= 16 {
                    return None;
                }
                for _ in 0..negative + positive {
                    b.ue()?;
                    b.flag()?;
                }
                negative + positive
            };
            if n > 32 {
                return None;
            }
            deltas.push(n);
        }
        Some(())
    }

    /// Whether the VUI declares full range.
    fn vui_full_range(b: &mut Bits) -> Option<bool> {
        if b.flag()? && b.bits(8)? == 255 {
            b.skip(32)?;
        }
        if b.flag()? {
            b.flag()?;
        }
        if !b.flag()? {
            return Some(false);
        }
        b.bits(3)?;
        b.flag()
    }
}

mod av1 {
    use super::{Bits, VideoFacts};

    /// The video facts of an `av1C` record (MP4 `av1C`, Matroska CodecPrivate): those of
    /// the sequence header among its configuration OBUs.
    pub(super) fn from_av1c(av1c: &[u8]) -> Option<VideoFacts> {
        if av1c.len() < 4 || av1c[0] != 0x81 {
            return None;
        }
        sequence_header_in(&av1c[4..])
    }

    /// The facts of the first sequence header OBU in a run of OBUs.
    fn sequence_header_in(mut obus: &[u8]) -> Option<VideoFacts> {
        while !obus.is_empty() {
            let header = obus[0];
            let kind = (header >> 3) & 0x0F;
            let mut at = 1 + usize::from(header & 0x04 != 0);
            if header & 0x02 == 0 {
                return None; // OBUs without sizes are not used in containers
            }
            let (size, used) = leb128(obus.get(at..)?)?;
            at += used;
            let payload = obus.get(at..at.checked_add(size)?)?;
            if kind == 1 {
                return sequence_header(payload);
            }
            obus = &obus[at + size..];
        }
        None
    }

    fn leb128(b: &[u8]) -> Option<(usize, usize)> {
        let mut value: u64 = 0;
        for i in 0..8 {
            let byte = *b.get(i)?;
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                return Some((usize::try_from(value).ok()?, i + 1));
            }
        }
        None
    }

    fn sequence_header(p: &[u8]) -> Option<VideoFacts> {
        let mut b = Bits::new(p);
        let profile = b.bits(3)?;
        b.flag()?; // still_picture
        let reduced = b.flag()?;
        let level;
        if reduced {
            level = b.bits(5)?;
        } else {
            let mut decoder_model = false;
            let mut delay_len = 0;
            if b.flag()? {
                b.skip(64)?; // num_units_in_display_tick, time_scale
                if b.flag()? {
                    b.uvlc()?;
                }
                decoder_model = b.flag()?;
                if decoder_model {
                    delay_len = b.bits(5)? + 1;
                    b.skip(32 + 5 + 5)?;
                }
            }
            let initial_display_delay = b.flag()?;
            let points = b.bits(5)? + 1;
            let mut first_level = None;
            for _ in 0..points {
                b.bits(12)?; // operating_point_idc
                let idx = b.bits(5)?;
                first_level.get_or_insert(idx);
                if idx > 7 {
                    b.flag()?; // seq_tier
                }
                if decoder_model && b.flag()? {
                    b.skip(2 * delay_len as usize + 1)?;
                }
                if initial_display_delay && b.flag()? {
                    b.bits(4)?;
                }
            }
            level = first_level?;
        }
        let width_bits = b.bits(4)? + 1;
        let height_bits = b.bits(4)? + 1;
        let width = u64::from(b.bits(width_bits)?) + 1;
        let height = u64::from(b.bits(height_bits)?) + 1;
        if !reduced && b.flag()? {
            b.skip(7)?; // frame id lengths
        }
        b.skip(3)?; // superblock size, filter intra, intra edge
        if !reduced {
            b.skip(4)?; // interintra, masked compound, warped motion, dual filter
            let order_hint = b.flag()?;
            if order_hint {
                b.skip(2)?;
            }
            let force_screen_content = if b.flag()? { 2 } else { b.bits(1)? };
            if force_screen_content > 0 && !b.flag()? {
                b.flag()?; // seq_force_integer_mv
            }
            if order_hint {
                b.skip(3)?;
            }
        }
        b.skip(3)?; // superres, cdef, restoration
        let pixel_format = color_config(&mut b, profile)?;
        Some(VideoFacts {
            codec: "av1",
            profile: Some(
                match profile {
                    0 => "Main",
                    1 => "High",
                    2 => "Professional",
                    _ => return None,
                }
                .to_owned(),
            ),
            level: i32::try_from(level).ok(),
            width: u32::try_from(width).ok()?,
            height: u32::try_from(height).ok()?,
            pixel_format,
        })
    }

    /// The pixel format dav1d reports for the colour configuration; monochrome and RGB
    /// are left to ffprobe.
    fn color_config(b: &mut Bits, profile: u32) -> Option<&'static str> {
        let high = b.flag()?;
        let depth = match (profile, high) {
            (2, true) => {
                if b.flag()? {
                    12
                } else {
                    10
                }
            }
            (_, true) => 10,
            _ => 8,
        };
        if profile != 1 && b.flag()? {
            return None; // monochrome
        }
        if b.flag()? {
            let (primaries, transfer, matrix) = (b.bits(8)?, b.bits(8)?, b.bits(8)?);
            if primaries == 1 && transfer == 13 && matrix == 0 {
                return None; // sRGB
            }
        }
        b.flag()?; // color_range
        let (ss_x, ss_y) = match profile {
            0 => (true, true),
            1 => (false, false),
            _ if depth == 12 => {
                let x = b.flag()?;
                (x, x && b.flag()?)
            }
            _ => (true, false),
        };
        let chroma = match (ss_x, ss_y) {
            (true, true) => 1,
            (true, false) => 2,
            (false, false) => 3,
            (false, true) => return None,
        };
        super::yuv_format(chroma, depth)
    }
}

/// The video facts of a VP9 stream, from its first frame.
fn vp9_frame(frame: &[u8]) -> Option<VideoFacts> {
    let mut b = Bits::new(frame);
    if b.bits(2)? != 2 {
        return None;
    }
    let mut profile = b.bits(1)? | b.bits(1)? << 1;
    if profile == 3 {
        profile += b.bits(1)?;
    }
    if profile > 3 || b.flag()? {
        return None; // unknown profile, or show_existing_frame
    }
    let keyframe = !b.flag()?;
    b.flag()?; // show_frame
    b.flag()?; // error_resilient_mode
    if !keyframe || b.bits(24)? != 0x49_83_42 {
        return None;
    }
    let depth = if profile >= 2 {
        if b.flag()? {
            12
        } else {
            10
        }
    } else {
        8
    };
    if b.bits(3)? == 7 {
        return None; // RGB
    }
    b.flag()?; // color_range
    let chroma = if profile & 1 == 1 {
        let (ss_x, ss_y) = (b.flag()?, b.flag()?);
        if b.flag()? {
            return None;
        }
        match (ss_x, ss_y) {
            (false, false) => 3,
            (true, false) => 2,
            _ => return None, // 4:4:0, or 4:2:0 which these profiles refuse
        }
    } else {
        1
    };
    let width = b.bits(16)? + 1;
    let height = b.bits(16)? + 1;
    Some(VideoFacts {
        codec: "vp9",
        profile: Some(format!("Profile {profile}")),
        level: None,
        width,
        height,
        pixel_format: yuv_format(chroma, depth)?,
    })
}

/// The video facts of a VP8 stream, from its first (key) frame.
fn vp8_frame(frame: &[u8]) -> Option<VideoFacts> {
    let tag = *frame.first()?;
    let version = (tag >> 1) & 7;
    if tag & 1 != 0 || version != 0 || frame.get(3..6)? != [0x9D, 0x01, 0x2A] {
        return None;
    }
    let width = u16::from_le_bytes(frame.get(6..8)?.try_into().ok()?) & 0x3FFF;
    let height = u16::from_le_bytes(frame.get(8..10)?.try_into().ok()?) & 0x3FFF;
    Some(VideoFacts {
        codec: "vp8",
        profile: Some("0".to_owned()),
        level: None,
        width: u32::from(width),
        height: u32::from(height),
        pixel_format: "yuv420p",
    })
}

// ---------------------------------------------------------------------------------------
// Audio codec headers: the channel count each decoder outputs.

/// The channels FFmpeg's AAC decoder outputs for an AudioSpecificConfig. Mono AAC-LC may
/// turn out to carry parametric stereo (and so decode to two channels) only in its
/// frames, and a channel configuration of 0 needs the program config element: both are
/// left to ffprobe.
fn aac_channels(asc: &[u8]) -> Option<i32> {
    let mut b = Bits::new(asc);
    let object_type = |b: &mut Bits| -> Option<u32> {
        let t = b.bits(5)?;
        if t == 31 {
            Some(32 + b.bits(6)?)
        } else {
            Some(t)
        }
    };
    let sample_rate = |b: &mut Bits| -> Option<()> {
        if b.bits(4)? == 15 {
            b.bits(24)?;
        }
        Some(())
    };
    let mut aot = object_type(&mut b)?;
    sample_rate(&mut b)?;
    let config = b.bits(4)?;
    let mut sbr = false;
    if aot == 5 || aot == 29 {
        sbr = true;
        sample_rate(&mut b)?;
        aot = object_type(&mut b)?;
    }
    if aot != 2 {
        return None; // only AAC-LC (possibly within HE-AAC) is answered
    }
    if b.flag()? {
        return None; // 960-sample frames
    }
    match config {
        // With SBR signalled, FFmpeg assumes parametric stereo for mono.
        1 if sbr => Some(2),
        2..=6 => Some(i32::try_from(config).ok()?),
        7 => Some(8),
        _ => None,
    }
}

/// The channels of an AC-3 or E-AC-3 packet, from its first syncframe; `None` when the
/// packet holds more (E-AC-3 dependent substreams change what the decoder outputs).
fn ac3_channels(packet: &[u8], packet_len: u64) -> Option<(&'static str, i32)> {
    if packet.get(..2)? != [0x0B, 0x77] {
        return None;
    }
    let bsid = packet.get(5)? >> 3;
    let (codec, frame_len, acmod) = if bsid <= 10 {
        // syncword, crc1, then fscod and frmsizecod
        let mut b = Bits::new(packet.get(4..)?);
        let fscod = b.bits(2)?;
        let frmsizecod = b.bits(6)?;
        b.skip(8)?; // bsid, bsmod
        ("ac3", ac3_frame_len(fscod, frmsizecod)?, ac3_acmod(&mut b)?)
    } else if (11..=16).contains(&bsid) {
        // syncword, then the bit stream information
        let mut b = Bits::new(packet.get(2..)?);
        if b.bits(2)? != 0 {
            return None; // not an independent substream
        }
        if b.bits(3)? != 0 {
            return None; // substream other than the first
        }
        let frame_len = (u64::from(b.bits(11)?) + 1) * 2;
        b.skip(4)?; // fscod, fscod2 or numblkscod
        ("eac3", frame_len, (b.bits(3)?, b.flag()?))
    } else {
        return None;
    };
    if frame_len != packet_len {
        return None;
    }
    let (acmod, lfe) = acmod;
    let channels = [2, 1, 2, 3, 3, 4, 4, 5][acmod as usize] + i32::from(lfe);
    Some((codec, channels))
}

/// AC-3's audio coding mode and LFE flag, after bsid and bsmod.
fn ac3_acmod(b: &mut Bits) -> Option<(u32, bool)> {
    let acmod = b.bits(3)?;
    if acmod & 1 == 1 && acmod != 1 {
        b.skip(2)?; // cmixlev
    }
    if acmod & 4 == 4 {
        b.skip(2)?; // surmixlev
    }
    if acmod == 2 {
        b.skip(2)?; // dsurmod
    }
    Some((acmod, b.flag()?))
}

/// The length in bytes of an AC-3 syncframe.
fn ac3_frame_len(fscod: u32, frmsizecod: u32) -> Option<u64> {
    const KBPS: [u64; 19] = [
        32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640,
    ];
    let kbps = *KBPS.get(usize::try_from(frmsizecod / 2).ok()?)?;
    let words = match fscod {
        0 => kbps * 2,
        1 => kbps * 96_000 / 44_100 + u64::from(frmsizecod & 1),
        2 => kbps * 3,
        _ => return None,
    };
    Some(words * 2)
}

/// The channels of an MPEG audio layer III frame.
fn mp3_channels(frame: &[u8]) -> Option<i32> {
    let h = be32(frame, 0)?;
    let sync = h >> 21 == 0x7FF;
    let layer = (h >> 17) & 3;
    let version = (h >> 19) & 3;
    let bitrate = (h >> 12) & 0xF;
    let rate = (h >> 10) & 3;
    if !sync || layer != 1 || version == 1 || bitrate == 0 || bitrate == 15 || rate == 3 {
        return None;
    }
    Some(if (h >> 6) & 3 == 3 { 1 } else { 2 })
}

/// The channels of a DTS core frame that is the whole packet and carries no extension
/// (extensions make FFmpeg's decoder output more channels).
fn dts_channels(frame: &[u8], packet_len: u64) -> Option<i32> {
    if be32(frame, 0)? != 0x7FFE_8001 {
        return None;
    }
    let mut b = Bits::new(frame.get(4..)?);
    b.skip(1 + 5 + 1 + 7)?; // frame type, deficit samples, crc flag, blocks
    let frame_len = u64::from(b.bits(14)?) + 1;
    let amode = b.bits(6)?;
    b.skip(4 + 5 + 1 + 1 + 1 + 1 + 1)?; // sfreq .. hdcd
    b.skip(3)?; // ext_audio_id
    let ext_audio = b.flag()?;
    b.flag()?; // aspf
    let lff = b.bits(2)?;
    if ext_audio || frame_len != packet_len || lff == 3 {
        return None;
    }
    let channels = match amode {
        0 => 1,
        2 => 2,
        5 | 6 => 3,
        7 | 8 => 4,
        9 => 5,
        _ => return None,
    };
    Some(channels + i32::from(lff != 0))
}

/// The channels of an Opus identification header from its version byte on (`OpusHead`
/// after its magic, or MP4 `dOps`, which share a layout).
fn opus_channels(head: &[u8]) -> Option<i32> {
    let channels = *head.get(1)?;
    let family = *head.get(10)?;
    (channels > 0 && (family == 0 && channels <= 2 || family == 1 && channels <= 8))
        .then_some(i32::from(channels))
}

/// The channels of a Vorbis stream, from Matroska's Xiph-laced header packets.
fn vorbis_channels(private: &[u8]) -> Option<i32> {
    if *private.first()? != 2 {
        return None;
    }
    let mut at = 1;
    // Skip the two Xiph lace sizes; the identification header follows.
    for _ in 0..2 {
        while *private.get(at)? == 255 {
            at += 1;
        }
        at += 1;
    }
    let id = private.get(at..at + 12)?;
    (id[..7] == *b"\x01vorbis" && id[11] > 0).then_some(i32::from(id[11]))
}

/// The channels of a FLAC STREAMINFO block, given the bytes from its block header on.
fn flac_channels(blocks: &[u8]) -> Option<i32> {
    if blocks.first()? & 0x7F != 0 || be24(blocks, 1)? < 34 {
        return None;
    }
    Some(i32::from((blocks.get(4 + 12)? >> 1) & 7) + 1)
}

/// The channels of an ALAC magic cookie (ALACSpecificConfig).
fn alac_channels(config: &[u8]) -> Option<i32> {
    let channels = *config.get(9)?;
    (channels > 0).then_some(i32::from(channels))
}

// ---------------------------------------------------------------------------------------
// MP4 / QuickTime.

mod mp4 {
    use super::{
        aac_channels, ac3_channels, alac_channels, av1, av_reduce, be16, be24, be32, be64,
        c_string, dts_channels, flac_channels, h264, hevc, mp3_channels, opus_channels, rate,
        rescale, vp8_frame, vp9_frame, Audio, Facts, Input, Stream, Subtitle, VideoContext,
        VideoFacts, MAX_FRAME_PEEK, MAX_MOOV,
    };

    /// The most top-level boxes looked at.
    const MAX_TOP_LEVEL: usize = 4096;
    /// The largest top-level `udta` or `meta` read for its title.
    const MAX_TOP_META: u64 = 1 << 20;
    /// The most samples in a track whose bit rate is computed (FFmpeg gives up at about
    /// 179 million).
    const MAX_SAMPLES: u32 = 50_000_000;
    /// FFmpeg's default `max_stts_delta`: larger sample durations are rewritten.
    const MAX_STTS_DELTA: u32 = u32::MAX - 48_000 * 10;

    type FourCc = [u8; 4];

    /// A box's type and payload.
    struct Mp4Box<'a> {
        kind: FourCc,
        body: &'a [u8],
        /// Where the payload starts in the file.
        offset: u64,
    }

    /// The boxes of a payload that starts at `offset` in the file. `None` when a box
    /// runs past its parent or is shorter than its header (FFmpeg then reads on into
    /// whatever follows, which is not followed here).
    fn boxes<'a>(input: &Input, data: &'a [u8], offset: u64) -> Option<Vec<Mp4Box<'a>>> {
        let mut out = Vec::new();
        let mut at = 0;
        while data.len() - at >= 8 {
            input.visit()?;
            let kind: FourCc = data[at + 4..at + 8].try_into().ok()?;
            let left = (data.len() - at) as u64;
            let (header, size) = match be32(data, at)? {
                0 => (8, left),
                1 => (16, be64(data, at + 8)?),
                n => (8, u64::from(n)),
            };
            if size < header || size > left {
                return None;
            }
            let end = at + usize::try_from(size).ok()?;
            out.push(Mp4Box {
                kind,
                body: &data[at + usize::try_from(header).ok()?..end],
                offset: offset + (at as u64) + header,
            });
            at = end;
        }
        Some(out)
    }

    /// A top-level box: its type, payload offset and payload length.
    struct TopBox {
        kind: FourCc,
        offset: u64,
        len: u64,
    }

    /// The top-level boxes, as FFmpeg walks them (it stops at a box shorter than its
    /// header; a box running past the end is cut at the end).
    fn top_level(input: &Input) -> Option<Vec<TopBox>> {
        let mut out = Vec::new();
        let mut at = 0u64;
        while input.size - at >= 8 {
            if out.len() >= MAX_TOP_LEVEL {
                return None;
            }
            input.visit()?;
            let head: [u8; 8] = input.array(at)?;
            let kind: FourCc = head[4..].try_into().ok()?;
            let (header, size) = match be32(&head, 0)? {
                0 => (8, input.size - at),
                1 if input.size - at >= 16 => (16, u64::from_be_bytes(input.array(at + 8)?)),
                n => (8, u64::from(n)),
            };
            if size < header {
                break;
            }
            let len = (size - header).min(input.size - at - header);
            out.push(TopBox {
                kind,
                offset: at + header,
                len,
            });
            at += header + len;
        }
        Some(out)
    }

    /// Everything read from the boxes, in FFmpeg's order.
    #[derive(Default)]
    struct Movie {
        time_scale: u32,
        duration: Option<u64>,
        /// Tracks and cover pictures in the order FFmpeg makes their streams.
        streams: Vec<Entry>,
        /// The last key and value FFmpeg stores under a key equal to `title` ignoring
        /// case (its dictionary keeps the last spelling).
        title: Option<(String, String)>,
        /// A `hdlr` of type `mdta` was met outside the tracks.
        mdta: bool,
        /// QuickTime metadata keys (`keys`), which number the `ilst` items.
        keys: Option<Vec<String>>,
        /// Track IDs named by the last `chap` reference.
        chapters: Vec<u32>,
        /// The first cover picture: payload offset and length.
        cover: Option<(u64, u64)>,
        /// Something was met that this reader cannot answer for.
        unsure: bool,
    }

    enum Entry {
        Track(Box<Track>),
        Picture,
    }

    #[derive(Default)]
    struct Track {
        id: u32,
        enabled: bool,
        handler: Option<FourCc>,
        language: Option<String>,
        time_scale: Option<u32>,
        mdhd_duration: Option<u64>,
        sample: Option<SampleEntry>,
        table: SampleTable,
    }

    /// The first (and only) sample description.
    struct SampleEntry {
        format: FourCc,
        /// Video: the coded size it declares.
        width: u32,
        height: u32,
        /// Audio: channel count and sample size of a version 0/1 entry.
        channels: u16,
        sample_bits: u16,
        version: u16,
        /// Codec configuration boxes found in the entry (and in a QuickTime `wave`).
        config: Vec<(FourCc, Vec<u8>)>,
    }

    impl SampleEntry {
        fn config(&self, kind: &FourCc) -> Option<&[u8]> {
            self.config
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, v)| v.as_slice())
        }
    }

    #[derive(Default)]
    struct SampleTable {
        stts: Option<Vec<(u32, u32)>>,
        sizes: Option<Sizes>,
        chunks: Option<Vec<(u32, u32, u32)>>,
        offsets: Option<Vec<u64>>,
    }

    /// `stsz`/`stz2`: a constant size, or one per sample.
    struct Sizes {
        constant: u32,
        count: u32,
        each: Vec<u32>,
    }

    pub(super) fn probe(input: &Input) -> Option<Facts> {
        let movie = read_movie(input)?;
        if movie.unsure {
            return None;
        }
        let time_scale = if movie.time_scale == 0 || movie.time_scale > i32::MAX as u32 {
            1
        } else {
            movie.time_scale
        };
        let duration = movie.duration.filter(|d| *d > 0)?;
        let duration_us = rescale(duration, 1_000_000, u64::from(time_scale))?;
        let mut streams = Vec::new();
        let mut have_video = false;
        for entry in &movie.streams {
            streams.push(match entry {
                Entry::Picture => Stream::Ignored,
                Entry::Track(track) if movie.chapters.contains(&track.id) => Stream::Ignored,
                Entry::Track(track) => track_stream(input, track, &mut have_video)?,
            });
        }
        Some(Facts {
            duration_us,
            title: movie.title.filter(|(k, _)| k == "title").map(|(_, v)| v),
            streams,
        })
    }

    /// The first cover picture: a `covr` item, else a chapter track's picture.
    pub(super) fn cover(input: &Input) -> Option<(u64, u64)> {
        let movie = read_movie(input)?;
        if let Some(cover) = movie.cover {
            return Some(cover);
        }
        movie.streams.iter().find_map(|entry| match entry {
            Entry::Track(t) if is_picture_track(t) || movie.chapters.contains(&t.id) => {
                first_sample(t)
            }
            _ => None,
        })
    }

    /// A video track of one JPEG or PNG sample.
    fn is_picture_track(track: &Track) -> bool {
        let Some(sample) = &track.sample else {
            return false;
        };
        let one = track.table.sizes.as_ref().is_some_and(|s| s.count == 1);
        one && matches!(&sample.format, b"jpeg" | b"png " | b"mjpa")
    }

    fn read_movie(input: &Input) -> Option<Movie> {
        let mut movie = Movie::default();
        let mut moov = None;
        for top in top_level(input)? {
            match &top.kind {
                b"moov" if moov.is_none() => {
                    let body = input.read(top.offset, top.len, MAX_MOOV)?;
                    read_moov(input, &mut movie, &body, top.offset)?;
                    moov = Some(());
                }
                b"moof" | b"hoov" | b"cmov" => return None,
                b"udta" | b"meta" => {
                    let body = input.read(top.offset, top.len, MAX_TOP_META)?;
                    let b = Mp4Box {
                        kind: top.kind,
                        body: &body,
                        offset: top.offset,
                    };
                    user_data(input, &mut movie, &b, false)?;
                }
                _ => {}
            }
        }
        moov.map(|()| movie)
    }

    fn read_moov(input: &Input, movie: &mut Movie, body: &[u8], offset: u64) -> Option<()> {
        for b in boxes(input, body, offset)? {
            match &b.kind {
                b"mvhd" => mvhd(movie, b.body)?,
                b"trak" => {
                    let track = trak(input, movie, &b)?;
                    movie.streams.push(Entry::Track(Box::new(track)));
                }
                b"udta" | b"meta" => user_data(input, movie, &b, false)?,
                b"mvex" | b"cmov" => return None,
                b"mdat" => return None,
                _ => {}
            }
        }
        Some(())
    }

    fn mvhd(movie: &mut Movie, body: &[u8]) -> Option<()> {
        let (scale_at, duration) = if body.first()? == &1 {
            (20, be64(body, 24)?)
        } else {
            (12, u64::from(be32(body, 16)?))
        };
        movie.time_scale = be32(body, scale_at)?;
        if duration > i64::MAX as u64 {
            return None;
        }
        movie.duration = Some(duration);
        Some(())
    }

    fn trak(input: &Input, movie: &mut Movie, b: &Mp4Box) -> Option<Track> {
        let mut track = Track::default();
        let mut seen_tkhd = false;
        for child in boxes(input, b.body, b.offset)? {
            match &child.kind {
                b"tkhd" => {
                    if seen_tkhd {
                        return None;
                    }
                    seen_tkhd = true;
                    let flags = be24(child.body, 1)?;
                    track.enabled = flags & 1 == 1;
                    let id_at = if child.body.first()? == &1 { 20 } else { 12 };
                    track.id = be32(child.body, id_at)?;
                }
                b"mdia" => mdia(input, &mut track, &child)?,
                b"edts" => {
                    for e in boxes(input, child.body, child.offset)? {
                        // FFmpeg cannot allocate larger edit lists and gives up.
                        if &e.kind == b"elst" && be32(e.body, 4)? > i32::MAX as u32 / 24 {
                            return None;
                        }
                    }
                }
                b"tref" => {
                    for r in boxes(input, child.body, child.offset)? {
                        if &r.kind == b"chap" {
                            movie.chapters = r
                                .body
                                .chunks_exact(4)
                                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                                .collect();
                        }
                    }
                }
                b"udta" | b"meta" => {
                    // A cover picture made inside a track takes over the track's stream
                    // in FFmpeg: not followed here.
                    let before = movie.streams.len();
                    user_data(input, movie, &child, true)?;
                    if movie.streams.len() != before {
                        return None;
                    }
                }
                b"trak" | b"mdat" => return None,
                _ => {}
            }
        }
        Some(track)
    }

    fn mdia(input: &Input, track: &mut Track, b: &Mp4Box) -> Option<()> {
        for child in boxes(input, b.body, b.offset)? {
            match &child.kind {
                b"mdhd" => mdhd(track, child.body)?,
                b"hdlr" => track.handler = Some(handler(child.body)?),
                b"minf" => {
                    for m in boxes(input, child.body, child.offset)? {
                        match &m.kind {
                            b"stbl" => stbl(input, track, &m)?,
                            b"dinf" => dinf(input, &m)?,
                            b"hdlr" if media_handler(m.body) => return None,
                            b"trak" | b"mdat" => return None,
                            _ => {}
                        }
                    }
                }
                b"trak" | b"mdat" => return None,
                _ => {}
            }
        }
        Some(())
    }

    /// A data reference box, checked as FFmpeg checks it (a bad one fails the file).
    fn dinf(input: &Input, b: &Mp4Box) -> Option<()> {
        for dref in boxes(input, b.body, b.offset)? {
            if &dref.kind != b"dref" {
                continue;
            }
            let body = dref.body;
            let entries = usize::try_from(be32(body, 4)?).ok()?;
            if entries == 0 || entries > (body.len().checked_sub(1)?) / 12 + 1 {
                return None;
            }
            let mut at = 8;
            for _ in 0..entries {
                let size = usize::try_from(be32(body, at)?).ok()?;
                if size < 12 || at + size > body.len() {
                    return None;
                }
                at += size;
            }
        }
        Some(())
    }

    fn handler(body: &[u8]) -> Option<FourCc> {
        body.get(8..12)?.try_into().ok()
    }

    /// Whether a handler box names a media type (FFmpeg lets any `hdlr` in a track set it).
    fn media_handler(body: &[u8]) -> bool {
        handler(body).is_some_and(|h| matches!(&h, b"vide" | b"soun" | b"subp" | b"clcp" | b"m1a "))
    }

    fn mdhd(track: &mut Track, body: &[u8]) -> Option<()> {
        if track.time_scale.is_some() {
            return None; // FFmpeg refuses a second mdhd
        }
        let (scale_at, duration, lang_at) = match body.first()? {
            0 => (12, u64::from(be32(body, 16)?), 20),
            1 => (20, be64(body, 24)?, 32),
            _ => return None,
        };
        track.time_scale = Some(be32(body, scale_at)?);
        if duration > i64::MAX as u64 {
            return None;
        }
        track.mdhd_duration = Some(duration);
        track.language = language(be16(body, lang_at)?)?;
        Some(())
    }

    /// The language tag FFmpeg sets for an `mdhd` language code: `Some(None)` for none,
    /// `None` for an old Macintosh code other than English.
    fn language(code: u16) -> Option<Option<String>> {
        if code >= 0x400 && code != 0x7FFF {
            let letters = [(code >> 10) & 0x1F, (code >> 5) & 0x1F, code & 0x1F];
            return Some(Some(
                letters
                    .iter()
                    .map(|l| char::from(0x60 + *l as u8))
                    .collect(),
            ));
        }
        match code {
            0 => Some(Some("eng".to_owned())),
            0x7FFF => Some(None),
            _ => None,
        }
    }

    fn stbl(input: &Input, track: &mut Track, b: &Mp4Box) -> Option<()> {
        for child in boxes(input, b.body, b.offset)? {
            let t = &mut track.table;
            match &child.kind {
                b"stsd" => {
                    if track.sample.is_some() {
                        return None;
                    }
                    track.sample = Some(stsd(input, &child)?);
                }
                b"stts" if t.stts.is_none() => t.stts = Some(stts(child.body)?),
                b"stsz" if t.sizes.is_none() => t.sizes = Some(stsz(child.body)?),
                b"stz2" if t.sizes.is_none() => t.sizes = Some(stz2(child.body)?),
                b"stsc" if t.chunks.is_none() => t.chunks = Some(stsc(child.body)?),
                b"stco" if t.offsets.is_none() => t.offsets = Some(stco(child.body, false)?),
                b"co64" if t.offsets.is_none() => t.offsets = Some(stco(child.body, true)?),
                b"stts" | b"stsz" | b"stz2" | b"stsc" | b"stco" | b"co64" => return None,
                // Counts FFmpeg refuses, failing the whole file.
                b"ctts" if be32(child.body, 4)? >= 1 << 29 => return None,
                b"stss" | b"stps" if be32(child.body, 4)? >= 1 << 30 => return None,
                b"trak" | b"mdat" => return None,
                _ => {}
            }
        }
        Some(())
    }

    /// A table's entry count, checked against the bytes it occupies.
    fn entries(body: &[u8], at: usize, entry_len: usize) -> Option<usize> {
        let count = usize::try_from(be32(body, at)?).ok()?;
        let need = count.checked_mul(entry_len)?.checked_add(at + 4)?;
        (need <= body.len()).then_some(count)
    }

    fn stts(body: &[u8]) -> Option<Vec<(u32, u32)>> {
        let n = entries(body, 4, 8)?;
        (0..n)
            .map(|i| Some((be32(body, 8 + i * 8)?, be32(body, 12 + i * 8)?)))
            .collect()
    }

    fn stsz(body: &[u8]) -> Option<Sizes> {
        let constant = be32(body, 4)?;
        let count = be32(body, 8)?;
        let each: Vec<u32> = if constant == 0 {
            let n = entries(body, 8, 4)?;
            (0..n)
                .map(|i| be32(body, 12 + i * 4))
                .collect::<Option<_>>()?
        } else {
            Vec::new()
        };
        // FFmpeg keeps sizes as signed numbers and refuses the file for a negative one.
        if each.iter().any(|s| *s > i32::MAX as u32) {
            return None;
        }
        Some(Sizes {
            constant,
            count,
            each,
        })
    }

    fn stz2(body: &[u8]) -> Option<Sizes> {
        let field = *body.get(7)?;
        let count = be32(body, 8)?;
        let n = usize::try_from(count).ok()?;
        let bits = usize::from(field);
        if !matches!(field, 4 | 8 | 16) || n.checked_mul(bits)? / 8 > body.len() - 12 {
            return None;
        }
        let data = &body[12..];
        let each = (0..n)
            .map(|i| match field {
                4 => data
                    .get(i / 2)
                    .map(|b| u32::from(if i % 2 == 0 { b >> 4 } else { b & 15 })),
                8 => data.get(i).map(|b| u32::from(*b)),
                _ => be16(data, i * 2).map(u32::from),
            })
            .collect::<Option<_>>()?;
        Some(Sizes {
            constant: 0,
            count,
            each,
        })
    }

    fn stsc(body: &[u8]) -> Option<Vec<(u32, u32, u32)>> {
        let n = entries(body, 4, 12)?;
        let rows: Vec<_> = (0..n)
            .map(|i| {
                let at = 8 + i * 12;
                Some((be32(body, at)?, be32(body, at + 4)?, be32(body, at + 8)?))
            })
            .collect::<Option<_>>()?;
        // FFmpeg repairs out-of-order or empty entries; only clean tables are read here.
        let clean = rows.iter().enumerate().all(|(i, (first, count, id))| {
            *count >= 1
                && *id >= 1
                && u64::from(*first) > i as u64
                && (i == 0 || rows[i - 1].0 < *first)
        });
        (clean && rows.first().is_none_or(|r| r.0 == 1)).then_some(rows)
    }

    fn stco(body: &[u8], wide: bool) -> Option<Vec<u64>> {
        let len = if wide { 8 } else { 4 };
        let n = entries(body, 4, len)?;
        (0..n)
            .map(|i| {
                let at = 8 + i * len;
                if wide {
                    be64(body, at)
                } else {
                    be32(body, at).map(u64::from)
                }
            })
            .collect()
    }

    fn stsd(input: &Input, b: &Mp4Box) -> Option<SampleEntry> {
        let body = b.body;
        // Version 0 only (FFmpeg reads version 1 audio entries differently), and one
        // description (with several, FFmpeg's choice is not followed here).
        if *body.first()? != 0 || be32(body, 4)? != 1 {
            return None;
        }
        let entry = boxes(input, body.get(8..)?, b.offset + 8)?
            .into_iter()
            .next()?;
        let e = entry.body;
        let mut sample = SampleEntry {
            format: entry.kind,
            width: 0,
            height: 0,
            channels: 0,
            sample_bits: 0,
            version: 0,
            config: Vec::new(),
        };
        // The child boxes follow the fixed fields, whose length depends on the kind.
        let children_at = match &entry.kind {
            f if is_video(f) => {
                sample.width = u32::from(be16(e, 24)?);
                sample.height = u32::from(be16(e, 26)?);
                78
            }
            f if is_audio(f) => {
                sample.version = be16(e, 8)?;
                sample.channels = be16(e, 16)?;
                sample.sample_bits = be16(e, 18)?;
                match sample.version {
                    0 => 28,
                    1 => 44,
                    _ => return None,
                }
            }
            // Text sample entries: their boxes are not needed.
            _ => return Some(sample),
        };
        if let Some(rest) = e.get(children_at..) {
            collect_config(
                input,
                &mut sample,
                rest,
                entry.offset + children_at as u64,
                0,
            )?;
        }
        Some(sample)
    }

    fn collect_config(
        input: &Input,
        sample: &mut SampleEntry,
        data: &[u8],
        offset: u64,
        depth: u8,
    ) -> Option<()> {
        for c in boxes(input, data, offset)? {
            if &c.kind == b"wave" && depth == 0 {
                collect_config(input, sample, c.body, c.offset, 1)?;
            } else if sample.config.len() < 16 {
                sample.config.push((c.kind, c.body.to_vec()));
            }
        }
        Some(())
    }

    fn is_video(f: &FourCc) -> bool {
        matches!(
            f,
            b"avc1"
                | b"avc3"
                | b"dva1"
                | b"dvav"
                | b"hvc1"
                | b"hev1"
                | b"dvh1"
                | b"dvhe"
                | b"av01"
                | b"vp09"
                | b"vp08"
                | b"mp4v"
                | b"jpeg"
                | b"png "
        )
    }

    fn is_audio(f: &FourCc) -> bool {
        matches!(
            f,
            b"mp4a"
                | b"ac-3"
                | b"ec-3"
                | b"Opus"
                | b"fLaC"
                | b".mp3"
                | b"alac"
                | b"sowt"
                | b"twos"
                | b"dtsc"
                | b"dtsh"
                | b"dtsl"
                | b"dtse"
        )
    }

    /// User data (`udta`, `meta`, `ilst`): titles, cover pictures, and what makes the
    /// answer unsure (stream dispositions from `kind`, QuickTime metadata keys).
    fn user_data(input: &Input, movie: &mut Movie, b: &Mp4Box, in_track: bool) -> Option<()> {
        match &b.kind {
            b"udta" => {
                for c in boxes(input, b.body, b.offset)? {
                    match &c.kind {
                        b"meta" => user_data(input, movie, &c, in_track)?,
                        b"kind" if in_track => movie.unsure = true,
                        b"\xa9nam" => quicktime_title(movie, c.body)?,
                        b"trak" | b"mdat" => return None,
                        _ => {}
                    }
                }
            }
            b"meta" => meta(input, movie, b, in_track)?,
            _ => {}
        }
        Some(())
    }

    fn meta(input: &Input, movie: &mut Movie, b: &Mp4Box, in_track: bool) -> Option<()> {
        // FFmpeg looks for `hdlr` four bytes at a time (meta may or may not be a full box)
        // and reads the boxes from the one holding it.
        let body = b.body;
        let mut k = 0;
        let mut start = None;
        while body.len() - k > 8 {
            if &body[k..k + 4] == b"hdlr" {
                start = Some(k.checked_sub(4)?);
                break;
            }
            k += 4;
        }
        let Some(start) = start else {
            return Some(());
        };
        for c in boxes(input, &body[start..], b.offset + start as u64)? {
            match &c.kind {
                // Inside a track FFmpeg takes any `hdlr` for the track's own.
                b"hdlr" if in_track && media_handler(c.body) => return None,
                b"hdlr" if !in_track && handler(c.body).as_ref() == Some(b"mdta") => {
                    movie.mdta = true;
                }
                b"keys" if movie.mdta && movie.keys.is_none() => {
                    movie.keys = Some(keys(c.body)?);
                }
                b"ilst" => ilst(input, movie, &c)?,
                b"trak" | b"mdat" => return None,
                _ => {}
            }
        }
        Some(())
    }

    /// QuickTime metadata key names (`mdta` namespace only).
    fn keys(body: &[u8]) -> Option<Vec<String>> {
        let count = be32(body, 4)?;
        let mut at = 8;
        let mut out = Vec::new();
        for _ in 0..count {
            let size = usize::try_from(be32(body, at)?).ok()?;
            if size < 8 || body.get(at + 4..at + 8)? != b"mdta" {
                return None;
            }
            out.push(c_string(body.get(at + 8..at + size)?)?);
            at += size;
        }
        Some(out)
    }

    fn ilst(input: &Input, movie: &mut Movie, b: &Mp4Box) -> Option<()> {
        for item in boxes(input, b.body, b.offset)? {
            let mut body = item.body;
            let mut offset = item.offset;
            // Each `data` box of the item, as FFmpeg reads them (covr may hold several).
            while body.len() > 8 {
                let size = usize::try_from(be32(body, 0)?).ok()?;
                if &body[4..8] != b"data" || size > body.len() || size < 16 {
                    break;
                }
                let kind = be32(body, 8)?;
                let value = &body[16..size];
                let key = item_key(movie, &item.kind);
                match &item.kind {
                    _ if key.as_deref() == Some("com.apple.quicktime.artwork") => return None,
                    _ if key
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("title")) =>
                    {
                        itunes_title(movie, key.as_deref()?, kind, value)?;
                        break;
                    }
                    b"covr" => {
                        // JPEG, PNG and BMP pictures become attached-picture streams.
                        if matches!(kind, 13 | 14 | 27) {
                            movie.streams.push(Entry::Picture);
                        }
                        if matches!(kind, 13 | 14) && movie.cover.is_none() {
                            movie.cover = Some((offset + 16, value.len() as u64));
                        }
                    }
                    b"----" if custom_names_title(input, &item) => return None,
                    b"\xa9nam" => {
                        itunes_title(movie, "title", kind, value)?;
                        break;
                    }
                    _ => break,
                }
                body = &body[size..];
                offset += size as u64;
            }
        }
        Some(())
    }

    /// Whether an iTunes custom item (`----`) may be named `title` (FFmpeg stores such
    /// items under their name).
    fn custom_names_title(input: &Input, item: &Mp4Box) -> bool {
        let Some(children) = boxes(input, item.body, item.offset) else {
            return true;
        };
        children.iter().any(|c| {
            &c.kind == b"name"
                && c.body
                    .get(4..)
                    .and_then(c_string)
                    .is_none_or(|n| n.eq_ignore_ascii_case("title"))
        })
    }

    /// The QuickTime metadata key an `ilst` item stands for: items that are not
    /// iTunes atoms are numbered into `keys`.
    fn item_key(movie: &Movie, kind: &FourCc) -> Option<String> {
        if !movie.mdta || kind[0] == 0xA9 || matches!(kind, b"covr" | b"----") {
            return None;
        }
        let index = usize::try_from(u32::from_be_bytes(*kind)).ok()?;
        movie.keys.as_ref()?.get(index.checked_sub(1)?).cloned()
    }

    /// An iTunes-style text item: UTF-8 (type 1), or Mac Roman (type 0, ASCII here).
    fn itunes_title(movie: &mut Movie, key: &str, kind: u32, value: &[u8]) -> Option<()> {
        let text = match kind {
            1 | 4 => c_string(value)?,
            0 | 3 => mac_ascii(value)?,
            21..=23 => return None,
            _ => return Some(()), // FFmpeg skips other types
        };
        movie.title = Some((key.to_owned(), text));
        Some(())
    }

    /// A QuickTime-style `©nam` in `udta`: length, language code, text.
    fn quicktime_title(movie: &mut Movie, body: &[u8]) -> Option<()> {
        if body.len() <= 4 {
            return None;
        }
        let len = usize::from(be16(body, 0)?);
        let lang = be16(body, 2)?;
        let text = body.get(4..4 + len)?;
        let text = if lang < 0x400 || lang == 0x7FFF {
            mac_ascii(text)?
        } else {
            c_string(text)?
        };
        movie.title = Some(("title".to_owned(), text));
        Some(())
    }

    /// A Mac Roman string that is plain ASCII (FFmpeg converts the rest).
    fn mac_ascii(bytes: &[u8]) -> Option<String> {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        bytes[..end]
            .is_ascii()
            .then(|| String::from_utf8_lossy(&bytes[..end]).into_owned())
    }

    /// The stream `parse` sees for a track; `None` when it cannot be told exactly.
    fn track_stream(input: &Input, track: &Track, have_video: &mut bool) -> Option<Stream> {
        let sample = track.sample.as_ref()?;
        let handler = track.handler.as_ref()?;
        match (handler, &sample.format) {
            (b"vide", f) if is_video(f) => {
                if *have_video {
                    return Some(Stream::Ignored);
                }
                *have_video = true;
                video(input, track, sample)
            }
            (b"soun", f) if is_audio(f) => Some(Stream::Audio(audio(input, track, sample)?)),
            (b"text" | b"sbtl" | b"subt" | b"subp" | b"clcp", f) => {
                let codec = match f {
                    b"tx3g" | b"text" => "mov_text",
                    b"wvtt" => "webvtt",
                    b"c608" => "eia_608",
                    _ => return None,
                };
                Some(Stream::Subtitle(Subtitle {
                    codec,
                    language: track.language.clone(),
                    title: None,
                    forced: false,
                }))
            }
            // Timecode and timed metadata: data streams.
            (b"tmcd" | b"meta" | b"data", b"tmcd" | b"gpmd" | b"mebx" | b"rtmd" | b"camm") => {
                Some(Stream::Ignored)
            }
            _ => None,
        }
    }

    fn video(input: &Input, track: &Track, sample: &SampleEntry) -> Option<Stream> {
        let (full_range, rgb) = sample.config(b"colr").map_or((false, false), colr);
        let ctx = VideoContext {
            width: sample.width,
            height: sample.height,
            full_range,
            rgb,
        };
        let facts: VideoFacts = match &sample.format {
            b"avc1" | b"avc3" | b"dva1" | b"dvav" => h264::from_avcc(sample.config(b"avcC")?, ctx)?,
            b"hvc1" | b"hev1" | b"dvh1" | b"dvhe" => hevc::from_hvcc(sample.config(b"hvcC")?)?,
            b"av01" => av1::from_av1c(sample.config(b"av1C")?)?,
            b"vp09" => vp9_frame(&peek(input, track)?)?,
            b"vp08" => vp8_frame(&peek(input, track)?)?,
            _ => return None,
        };
        let (bit_rate, frame_rate) = timing(track, input.size)?;
        facts.into_stream(bit_rate, frame_rate)
    }

    /// The full-range flag and RGB matrix of a `colr` box (`nclx`, or `nclc` without a
    /// range).
    fn colr(body: &[u8]) -> (bool, bool) {
        let matrix = be16(body, 8);
        match body.get(..4) {
            Some(b"nclx") => (
                body.get(10).is_some_and(|b| b & 0x80 != 0),
                matrix == Some(0),
            ),
            Some(b"nclc") => (false, matrix == Some(0)),
            _ => (false, false),
        }
    }

    /// The stream bit rate and average frame rate FFmpeg computes from the sample table.
    fn timing(track: &Track, file_size: u64) -> Option<(Option<i64>, Option<f64>)> {
        let t = &track.table;
        let stts = t.stts.as_ref()?;
        let sizes = t.sizes.as_ref()?;
        let chunks = t.chunks.as_ref()?;
        let offsets = t.offsets.as_ref()?;
        let raw_scale = track.time_scale?;
        let time_scale = if raw_scale == 0 || raw_scale > i32::MAX as u32 {
            1
        } else {
            raw_scale
        };
        let mut stts_duration: i64 = 0;
        let mut frames: i64 = 0;
        for &(count, delta) in stts {
            if delta > MAX_STTS_DELTA {
                return None; // FFmpeg rewrites these
            }
            let span = i64::from(count).checked_mul(i64::from(delta))?;
            stts_duration = stts_duration.checked_add(span)?;
            frames += i64::from(count);
        }
        let frame_rate = if frames > 0 && frames <= i64::from(i32::MAX) && stts_duration > 0 {
            Some(rate(av_reduce(
                i64::from(time_scale) * frames,
                stts_duration,
                i64::from(i32::MAX),
            )?))
        } else {
            None?
        };
        // st->duration: the mdhd duration, lowered to the stts total.
        let mut duration = i64::try_from(track.mdhd_duration?).ok()?;
        if stts_duration != 0 {
            duration = duration.min(stts_duration);
        }
        let samples = sizes.count;
        if samples == 0 || samples > MAX_SAMPLES || offsets.is_empty() || stts.is_empty() {
            return None;
        }
        if sizes.constant == 0 && sizes.each.len() != samples as usize {
            return None;
        }
        if chunks.last()?.0 as usize > offsets.len() {
            return None;
        }
        let stream_size = stream_size(sizes, chunks, offsets, file_size)?;
        let bit_rate = (duration > 0)
            .then(|| {
                stream_size
                    .wrapping_mul(8)
                    .wrapping_mul(u64::from(time_scale))
                    .checked_div(duration as u64)
                    .map(|v| v as i64)
            })
            .flatten()
            .filter(|b| *b > 0);
        Some((bit_rate, frame_rate))
    }

    /// The bytes of all samples, walked chunk by chunk as FFmpeg builds its index
    /// (`None` where FFmpeg stops early and reports no bit rate).
    /// Chunks that run past the end of the file are refused too: ffprobe then decodes
    /// nothing and reports less.
    fn stream_size(
        sizes: &Sizes,
        chunks: &[(u32, u32, u32)],
        offsets: &[u64],
        file_size: u64,
    ) -> Option<u64> {
        let mut total: u64 = 0;
        let mut sample: usize = 0;
        let mut entry = 0;
        for (chunk, &offset) in offsets.iter().enumerate() {
            while entry + 1 < chunks.len() && chunk + 1 == chunks[entry + 1].0 as usize {
                entry += 1;
            }
            let chunk_start = total;
            for _ in 0..chunks[entry].1 {
                if sample >= sizes.count as usize {
                    return None;
                }
                let size = if sizes.constant > 0 {
                    sizes.constant
                } else {
                    sizes.each[sample]
                };
                if size > 0x3FFF_FFFF {
                    return None;
                }
                total += u64::from(size);
                sample += 1;
            }
            if offset.checked_add(total - chunk_start)? > file_size {
                return None;
            }
        }
        Some(total)
    }

    /// The first sample's offset and size.
    fn first_sample(track: &Track) -> Option<(u64, u64)> {
        let t = &track.table;
        let offset = *t.offsets.as_ref()?.first()?;
        let sizes = t.sizes.as_ref()?;
        let size = if sizes.constant > 0 {
            sizes.constant
        } else {
            *sizes.each.first()?
        };
        Some((offset, u64::from(size)))
    }

    /// The first sample's bytes (at most [`MAX_FRAME_PEEK`]) and its full length.
    fn peek_sized(input: &Input, track: &Track) -> Option<(Vec<u8>, u64)> {
        let (offset, size) = first_sample(track)?;
        Some((input.read_upto(offset, size.min(MAX_FRAME_PEEK))?, size))
    }

    fn peek(input: &Input, track: &Track) -> Option<Vec<u8>> {
        peek_sized(input, track).map(|(bytes, _)| bytes)
    }

    fn audio(input: &Input, track: &Track, sample: &SampleEntry) -> Option<Audio> {
        let (codec, channels) = match &sample.format {
            b"mp4a" => mp4a(input, track, sample)?,
            b"ac-3" | b"ec-3" => {
                let (frame, len) = peek_sized(input, track)?;
                let (codec, channels) = ac3_channels(&frame, len)?;
                let expected = if &sample.format == b"ac-3" {
                    "ac3"
                } else {
                    "eac3"
                };
                (expected == codec).then_some((codec, channels))?
            }
            b"Opus" => ("opus", opus_channels(sample.config(b"dOps")?)?),
            b"fLaC" => ("flac", flac_channels(sample.config(b"dfLa")?.get(4..)?)?),
            b"alac" => ("alac", alac_channels(sample.config(b"alac")?.get(4..)?)?),
            b".mp3" => ("mp3", mp3_channels(&peek(input, track)?)?),
            b"dtsc" | b"dtsh" | b"dtsl" | b"dtse" => {
                let (frame, len) = peek_sized(input, track)?;
                ("dts", dts_channels(&frame, len)?)
            }
            b"sowt" | b"twos" if sample.sample_bits == 16 && sample.channels > 0 => {
                let codec = if &sample.format == b"sowt" {
                    "pcm_s16le"
                } else {
                    "pcm_s16be"
                };
                (codec, i32::from(sample.channels))
            }
            _ => return None,
        };
        Some(Audio {
            codec,
            channels,
            language: track.language.clone(),
            title: None,
            default: track.enabled,
        })
    }

    /// `mp4a`: AAC, or what the ES descriptor's object type says.
    fn mp4a(input: &Input, track: &Track, sample: &SampleEntry) -> Option<(&'static str, i32)> {
        let (object_type, specific) = esds(sample.config(b"esds")?)?;
        Some(match object_type {
            0x40 | 0x66..=0x68 => ("aac", aac_channels(specific?)?),
            0x69 | 0x6B => ("mp3", mp3_channels(&peek(input, track)?)?),
            0xA5 | 0xA6 => {
                let (frame, len) = peek_sized(input, track)?;
                let (codec, channels) = ac3_channels(&frame, len)?;
                let expected = if object_type == 0xA5 { "ac3" } else { "eac3" };
                (expected == codec).then_some((codec, channels))?
            }
            _ => return None,
        })
    }

    /// The object type and DecoderSpecificInfo of an `esds` box.
    fn esds(body: &[u8]) -> Option<(u8, Option<&[u8]>)> {
        let mut at = 4;
        let (tag, _, used) = descriptor(body.get(at..)?)?;
        at += used;
        if tag == 3 {
            let flags = *body.get(at + 2)?;
            at += 3;
            if flags & 0x80 != 0 {
                at += 2;
            }
            if flags & 0x40 != 0 {
                at += 1 + usize::from(*body.get(at)?);
            }
            if flags & 0x20 != 0 {
                at += 2;
            }
        } else {
            at += 2;
        }
        let (tag, len, used) = descriptor(body.get(at..)?)?;
        if tag != 4 {
            return None;
        }
        let config = body.get(at + used..at + used + len)?;
        let object_type = *config.first()?;
        let specific = config.get(13..).and_then(|rest| {
            let (tag, len, used) = descriptor(rest)?;
            (tag == 5).then(|| rest.get(used..used + len)).flatten()
        });
        Some((object_type, specific))
    }

    /// An MPEG-4 descriptor header: tag, length, header length.
    fn descriptor(b: &[u8]) -> Option<(u8, usize, usize)> {
        let tag = *b.first()?;
        let mut len = 0usize;
        for i in 1..=4 {
            let byte = *b.get(i)?;
            len = len << 7 | usize::from(byte & 0x7F);
            if byte & 0x80 == 0 {
                return Some((tag, len, i + 1));
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------------------
// Matroska / WebM.

mod mkv {
    use super::{
        aac_channels, ac3_channels, alac_channels, av1, av_reduce, c_string, dts_channels,
        flac_channels, h264, hevc, mp3_channels, opus_channels, rate, vorbis_channels, vp8_frame,
        vp9_frame, Audio, Facts, Input, Stream, Subtitle, VideoContext, VideoFacts, MAX_FRAME_PEEK,
        MAX_MASTER,
    };

    const EBML: u32 = 0x1A45_DFA3;
    const SEGMENT: u32 = 0x1853_8067;
    const SEEK_HEAD: u32 = 0x114D_9B74;
    const INFO: u32 = 0x1549_A966;
    const TRACKS: u32 = 0x1654_AE6B;
    const TAGS: u32 = 0x1254_C367;
    const ATTACHMENTS: u32 = 0x1941_A469;
    const CHAPTERS: u32 = 0x1043_A770;
    const CUES: u32 = 0x1C53_BB6B;
    const CLUSTER: u32 = 0x1F43_B675;
    const SIMPLE_BLOCK: u32 = 0xA3;
    const BLOCK_GROUP: u32 = 0xA0;
    const BLOCK: u32 = 0xA1;

    /// The most level-1 elements handled (FFmpeg keeps 64).
    const MAX_LEVEL1: usize = 60;
    /// How far into the clusters first frames are looked for.
    const MAX_CLUSTERS: usize = 16;
    const MAX_BLOCKS: usize = 8192;
    /// The longest string element FFmpeg accepts.
    const MAX_STRING: usize = 0x100_0000;

    /// An element's ID and payload, read into memory.
    struct Element<'a> {
        id: u32,
        body: &'a [u8],
    }

    /// An element header read from the file: ID, payload offset, payload size (`None`
    /// when unknown).
    struct Header {
        id: u32,
        offset: u64,
        size: Option<u64>,
    }

    impl Header {
        fn end(&self) -> Option<u64> {
            self.offset.checked_add(self.size?)
        }
    }

    /// An EBML ID (1 to 4 bytes, marker kept) and its length.
    fn read_id(b: &[u8]) -> Option<(u32, usize)> {
        let first = *b.first()?;
        let len = first.leading_zeros() as usize + 1;
        if len > 4 {
            return None;
        }
        let id = b
            .get(..len)?
            .iter()
            .fold(0u32, |v, byte| v << 8 | u32::from(*byte));
        Some((id, len))
    }

    /// An EBML size (1 to 8 bytes); `Some(None)` for the reserved "unknown" value.
    fn read_size(b: &[u8]) -> Option<(Option<u64>, usize)> {
        let first = *b.first()?;
        let len = first.leading_zeros() as usize + 1;
        if len > 8 {
            return None;
        }
        let mut value = u64::from(first) & (0xFF >> len);
        for byte in b.get(1..len)? {
            value = value << 8 | u64::from(*byte);
        }
        let all_ones = (1u64 << (7 * len)) - 1;
        Some(((value != all_ones).then_some(value), len))
    }

    /// The elements of an in-memory master element; `None` if one is malformed, of
    /// unknown size, or runs past its parent.
    fn elements<'a>(input: &Input, data: &'a [u8]) -> Option<Vec<Element<'a>>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            input.visit()?;
            let (id, id_len) = read_id(&data[at..])?;
            let (size, size_len) = read_size(data.get(at + id_len..)?)?;
            let start = at + id_len + size_len;
            let end = start.checked_add(usize::try_from(size?).ok()?)?;
            out.push(Element {
                id,
                body: data.get(start..end)?,
            });
            at = end;
        }
        Some(out)
    }

    /// The header of the element at `offset` in the file.
    fn header_at(input: &Input, offset: u64) -> Option<Header> {
        input.visit()?;
        let head = input.read_upto(offset, 12)?;
        let (id, id_len) = read_id(&head)?;
        let (size, size_len) = read_size(head.get(id_len..)?)?;
        Some(Header {
            id,
            offset: offset + (id_len + size_len) as u64,
            size,
        })
    }

    /// An unsigned integer element (FFmpeg accepts up to 8 bytes).
    fn uint(body: &[u8]) -> Option<u64> {
        if body.is_empty() || body.len() > 8 {
            return None;
        }
        Some(body.iter().fold(0, |v, b| v << 8 | u64::from(*b)))
    }

    fn float(body: &[u8]) -> Option<f64> {
        match body.len() {
            0 => Some(0.0),
            4 => Some(f64::from(f32::from_be_bytes(body.try_into().ok()?))),
            8 => Some(f64::from_be_bytes(body.try_into().ok()?)),
            _ => None,
        }
    }

    fn string(body: &[u8]) -> Option<String> {
        if body.len() > MAX_STRING {
            return None;
        }
        c_string(body)
    }

    /// The Segment's level-1 elements as FFmpeg reads them: those before the first
    /// Cluster, then those the SeekHeads point to.
    #[derive(Default)]
    struct Segment {
        start: u64,
        end: u64,
        first_cluster: Option<u64>,
        info: Option<Vec<u8>>,
        tracks: Option<Vec<u8>>,
        tags: Vec<Vec<u8>>,
        attachments: Option<Header>,
        /// Level-1 elements already read: (ID, offset of the element).
        parsed: Vec<(u32, u64)>,
        seeks: Vec<(u32, u64)>,
    }

    impl Segment {
        /// FFmpeg reads Info, Tracks, Attachments, Chapters and Cues once, and every
        /// SeekHead and Tags at a new position.
        fn seen(&self, id: u32, pos: u64) -> bool {
            self.parsed
                .iter()
                .any(|&(i, p)| i == id && (p == pos || (id != SEEK_HEAD && id != TAGS)))
        }
    }

    fn read_segment(input: &Input) -> Option<Segment> {
        let ebml = header_at(input, 0)?;
        if ebml.id != EBML {
            return None;
        }
        let body = input.read(ebml.offset, ebml.size?, 4096)?;
        check_ebml_header(input, &body)?;
        let seg = header_at(input, ebml.end()?)?;
        if seg.id != SEGMENT {
            return None;
        }
        let mut segment = Segment {
            start: seg.offset,
            end: seg.end().map_or(input.size, |e| e.min(input.size)),
            ..Segment::default()
        };
        let mut at = segment.start;
        while at < segment.end {
            let h = header_at(input, at)?;
            if h.id == CLUSTER {
                segment.first_cluster = Some(at);
                break;
            }
            read_level1(input, &mut segment, &h, at)?;
            at = h.end()?;
        }
        segment.first_cluster?;
        // FFmpeg goes to every SeekHead target not yet read (whatever ID the entry
        // claims, save Clusters and Cues) and reads the element it finds there.
        let mut i = 0;
        while i < segment.seeks.len() {
            let (id, pos) = segment.seeks[i];
            i += 1;
            if !valid_id(id) || id == CLUSTER || id == CUES || segment.seen(id, pos) {
                continue;
            }
            let h = header_at(input, pos)?;
            if h.id != CLUSTER {
                read_level1(input, &mut segment, &h, pos)?;
            }
            if !segment.seen(id, pos) {
                segment.parsed.push((id, pos));
            }
        }
        Some(segment)
    }

    /// The master elements whose children FFmpeg reads (in Info, Tracks, Tags,
    /// Chapters, Cues and Attachments).
    const MASTERS: &[u32] = &[
        0xAE, 0xE0, 0xE1, 0x55B0, 0x55D0, 0x7670, 0x6D80, 0x6240, 0x5034, 0x5035, 0x47E7, 0xE2,
        0xE3, 0xE4, 0xE9, 0x41E4, 0x7373, 0x63C0, 0x67C8, 0x45B9, 0xB6, 0x80, 0x8F, 0x6944, 0x6911,
        0xBB, 0xB7, 0xDB, 0x61A7, 0x6924,
    ];

    /// Whether an element read into memory nests cleanly down to its known masters.
    fn check_tree(input: &Input, data: &[u8], depth: u8) -> Option<()> {
        if depth > 16 {
            return None;
        }
        for e in elements(input, data)? {
            if MASTERS.contains(&e.id) {
                check_tree(input, e.body, depth + 1)?;
            }
        }
        Some(())
    }

    /// The same for an element left in the file, by its headers.
    fn check_file_tree(input: &Input, h: &Header, depth: u8) -> Option<()> {
        if depth > 16 {
            return None;
        }
        let end = h.end()?;
        let mut pos = h.offset;
        while pos < end {
            let child = header_at(input, pos)?;
            if child.end()? > end {
                return None;
            }
            if MASTERS.contains(&child.id) {
                check_file_tree(input, &child, depth + 1)?;
            }
            pos = child.end()?;
        }
        Some(())
    }

    /// Whether a number is an EBML ID with its length marker in place.
    fn valid_id(id: u32) -> bool {
        let Some(bits) = id.checked_ilog2() else {
            return false;
        };
        bits.div_ceil(8) == 8 - bits % 8
    }

    fn check_ebml_header(input: &Input, body: &[u8]) -> Option<()> {
        let mut doctype = None;
        for e in elements(input, body)? {
            match e.id {
                0x42F7 if uint(e.body)? > 1 => return None, // EBMLReadVersion
                0x42F2 if uint(e.body)? > 4 => return None, // EBMLMaxIDLength
                0x42F3 if uint(e.body)? > 8 => return None, // EBMLMaxSizeLength
                0x4285 if uint(e.body)? > 3 => return None, // DocTypeReadVersion
                0x4282 => doctype = Some(string(e.body)?),
                _ => {}
            }
        }
        matches!(doctype.as_deref(), Some("matroska" | "webm")).then_some(())
    }

    fn read_level1(input: &Input, segment: &mut Segment, h: &Header, pos: u64) -> Option<()> {
        let size = h.size?; // only Clusters may have an unknown size
        if h.end()? > input.size {
            return None;
        }
        let id = h.id;
        if matches!(
            id,
            INFO | TRACKS | TAGS | ATTACHMENTS | SEEK_HEAD | CHAPTERS | CUES
        ) {
            if segment.parsed.len() >= MAX_LEVEL1 {
                return None;
            }
            if segment.seen(id, pos) && matches!(id, INFO | TRACKS) {
                return None; // a second one: FFmpeg would read both
            }
            segment.parsed.push((id, pos));
        }
        // FFmpeg reads these whole: one that does not nest cleanly makes it resynchronise
        // further on, which is not followed here.
        let read = || {
            let body = input.read(h.offset, size, MAX_MASTER)?;
            check_tree(input, &body, 0)?;
            Some(body)
        };
        match id {
            INFO => segment.info = Some(read()?),
            TRACKS => segment.tracks = Some(read()?),
            TAGS => segment.tags.push(read()?),
            CHAPTERS | CUES => {
                read()?;
            }
            ATTACHMENTS => {
                check_file_tree(input, h, 0)?;
                segment.attachments.get_or_insert(Header {
                    id,
                    offset: h.offset,
                    size: h.size,
                });
            }
            SEEK_HEAD => {
                let body = input.read(h.offset, size, MAX_MASTER)?;
                for seek in elements(input, &body)? {
                    if seek.id != 0x4DBB {
                        continue;
                    }
                    let (mut target, mut position) = (None, None);
                    for e in elements(input, seek.body)? {
                        match e.id {
                            // FFmpeg reads the SeekID as a number.
                            0x53AB => {
                                target = uint(e.body).and_then(|v| u32::try_from(v).ok());
                            }
                            0x53AC => position = uint(e.body),
                            _ => {}
                        }
                    }
                    if let (Some(target), Some(position)) = (target, position) {
                        let pos = segment.start.checked_add(position)?;
                        segment.seeks.push((target, pos));
                    }
                }
            }
            _ => {}
        }
        Some(())
    }

    /// Info: the duration in microseconds as FFmpeg computes it, and the title.
    fn info(input: &Input, body: &[u8]) -> Option<(i64, Option<String>)> {
        let (mut scale, mut duration, mut title) = (1_000_000u64, 0.0f64, None);
        for e in elements(input, body)? {
            match e.id {
                0x2AD7B1 => scale = uint(e.body)?,
                0x4489 => duration = float(e.body)?,
                0x7BA9 => title = Some(string(e.body)?),
                _ => {}
            }
        }
        if scale == 0 {
            scale = 1_000_000;
        }
        // duration * time_scale * 1000 / AV_TIME_BASE, in doubles, truncated.
        let us = duration * scale as f64 * 1000.0 / 1_000_000.0;
        (1.0..9.0e18).contains(&us).then_some((us as i64, title))
    }

    /// A TrackEntry, the parts used.
    struct Track {
        number: u64,
        uid: u64,
        kind: u64,
        codec_id: String,
        private: Option<Vec<u8>>,
        name: Option<String>,
        language: String,
        default: bool,
        forced: bool,
        default_duration: u64,
        frame_rate: f64,
        width: u64,
        height: u64,
        full_range: bool,
        rgb: bool,
        alpha: bool,
        channels: u64,
        bit_depth: u64,
        /// Bytes stripped from the start of every frame (header-removal compression).
        strip: Vec<u8>,
        /// Frames or CodecPrivate are compressed or encrypted beyond that.
        encoded: bool,
    }

    fn track_entry(input: &Input, body: &[u8]) -> Option<Track> {
        let mut t = Track {
            number: 0,
            uid: 0,
            kind: 0,
            codec_id: String::new(),
            private: None,
            name: None,
            language: "eng".to_owned(),
            default: true,
            forced: false,
            default_duration: 0,
            frame_rate: 0.0,
            width: 0,
            height: 0,
            full_range: false,
            rgb: false,
            alpha: false,
            channels: 1,
            bit_depth: 0,
            strip: Vec::new(),
            encoded: false,
        };
        let mut codec = None;
        for e in elements(input, body)? {
            match e.id {
                0xD7 => t.number = uint(e.body)?,
                0x73C5 => t.uid = uint(e.body)?,
                0x83 => t.kind = uint(e.body)?,
                0x86 => codec = Some(string(e.body)?),
                0x63A2 => t.private = Some(e.body.to_vec()),
                0x536E => t.name = Some(string(e.body)?),
                0x22B59C => t.language = string(e.body)?,
                0x88 => t.default = uint(e.body)? != 0,
                0x55AA => t.forced = uint(e.body)? != 0,
                0x23E383 => t.default_duration = uint(e.body)?,
                0xE0 => video_settings(input, &mut t, e.body)?,
                0xE1 => audio_settings(input, &mut t, e.body)?,
                0x6D80 => encodings(input, &mut t, e.body)?,
                0xE2 => return None, // TrackOperation (combined planes)
                _ => {}
            }
        }
        t.codec_id = codec.unwrap_or_default();
        if t.default_duration == 0 && t.frame_rate > 0.0 {
            let d = 1_000_000_000.0 / t.frame_rate;
            if d.is_finite() && d < u64::MAX as f64 {
                t.default_duration = d as u64;
            }
        }
        Some(t)
    }

    fn video_settings(input: &Input, t: &mut Track, body: &[u8]) -> Option<()> {
        for e in elements(input, body)? {
            match e.id {
                0xB0 => t.width = uint(e.body)?,
                0xBA => t.height = uint(e.body)?,
                0x2383E3 => t.frame_rate = float(e.body)?,
                0x53C0 => t.alpha = uint(e.body)? != 0,
                0x55B0 => {
                    for c in elements(input, e.body)? {
                        match c.id {
                            0x55B1 => t.rgb = uint(c.body)? == 0, // MatrixCoefficients
                            0x55B9 => t.full_range = uint(c.body)? == 2, // Range
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Some(())
    }

    fn audio_settings(input: &Input, t: &mut Track, body: &[u8]) -> Option<()> {
        for e in elements(input, body)? {
            match e.id {
                0x9F => t.channels = uint(e.body)?,
                0x6264 => t.bit_depth = uint(e.body)?,
                _ => {}
            }
        }
        Some(())
    }

    /// ContentEncodings: header stripping is applied here; any other compression or
    /// encryption marks the track as encoded.
    fn encodings(input: &Input, t: &mut Track, body: &[u8]) -> Option<()> {
        let list = elements(input, body)?;
        if list.len() > 1 {
            return None;
        }
        for enc in list {
            let (mut scope, mut kind, mut algo, mut settings) = (1, 0, 0, Vec::new());
            for e in elements(input, enc.body)? {
                match e.id {
                    0x5032 => scope = uint(e.body)?,
                    0x5033 => kind = uint(e.body)?,
                    0x5034 => {
                        for c in elements(input, e.body)? {
                            match c.id {
                                0x4254 => algo = uint(c.body)?,
                                0x4255 => settings = c.body.to_vec(),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            if kind != 0 || algo != 3 {
                t.encoded = true;
            } else {
                if scope & 2 != 0 {
                    if let Some(private) = &mut t.private {
                        private.splice(0..0, settings.iter().copied());
                    }
                }
                if scope & 1 != 0 {
                    t.strip = settings;
                }
            }
        }
        Some(())
    }

    /// FFmpeg's codec name for a Matroska CodecID: the first entry of its table that
    /// the ID starts with.
    fn codec_name(codec_id: &str) -> Option<&'static str> {
        const TABLE: &[(&str, &str)] = &[
            ("A_AAC", "aac"),
            ("A_AC3", "ac3"),
            ("A_ALAC", "alac"),
            ("A_DTS", "dts"),
            ("A_EAC3", "eac3"),
            ("A_FLAC", "flac"),
            ("A_MLP", "mlp"),
            ("A_MPEG/L2", "mp2"),
            ("A_MPEG/L1", "mp1"),
            ("A_MPEG/L3", "mp3"),
            ("A_OPUS", "opus"),
            ("A_PCM/FLOAT/IEEE", "pcm_f32le"),
            ("A_PCM/INT/BIG", "pcm_s16be"),
            ("A_PCM/INT/LIT", "pcm_s16le"),
            ("A_QUICKTIME", "?"),
            ("A_REAL", "?"),
            ("A_TRUEHD", "truehd"),
            ("A_TTA1", "tta"),
            ("A_VORBIS", "vorbis"),
            ("A_WAVPACK4", "wavpack"),
            ("D_WEBVTT/SUBTITLES", "webvtt"),
            ("D_WEBVTT/CAPTIONS", "webvtt"),
            ("D_WEBVTT/DESCRIPTIONS", "webvtt"),
            ("D_WEBVTT/METADATA", "webvtt"),
            ("S_TEXT/UTF8", "subrip"),
            ("S_TEXT/ASCII", "text"),
            ("S_TEXT/ASS", "ass"),
            ("S_TEXT/SSA", "ass"),
            ("S_ASS", "ass"),
            ("S_SSA", "ass"),
            ("S_VOBSUB", "dvd_subtitle"),
            ("S_DVBSUB", "dvb_subtitle"),
            ("S_HDMV/PGS", "hdmv_pgs_subtitle"),
            ("S_HDMV/TEXTST", "hdmv_text_subtitle"),
            ("V_AV1", "av1"),
            ("V_AVS2", "?"),
            ("V_AVS3", "?"),
            ("V_DIRAC", "?"),
            ("V_FFV1", "?"),
            ("V_MJPEG", "?"),
            ("V_MPEG1", "?"),
            ("V_MPEG2", "?"),
            ("V_MPEG4/ISO/ASP", "?"),
            ("V_MPEG4/ISO/AP", "?"),
            ("V_MPEG4/ISO/SP", "?"),
            ("V_MPEG4/ISO/AVC", "h264"),
            ("V_MPEGH/ISO/HEVC", "hevc"),
            ("V_MPEG4/MS/V3", "?"),
            ("V_PRORES", "?"),
            ("V_REAL", "?"),
            ("V_SNOW", "?"),
            ("V_THEORA", "?"),
            ("V_UNCOMPRESSED", "?"),
            ("V_VP8", "vp8"),
            ("V_VP9", "vp9"),
        ];
        TABLE
            .iter()
            .find(|(prefix, _)| codec_id.starts_with(prefix))
            .map(|(_, name)| *name)
            .filter(|name| *name != "?")
    }

    /// What a track needs from its first frame.
    #[derive(Clone, Copy, PartialEq)]
    enum Need {
        Vp9,
        Vp8,
        Ac3,
        Eac3,
        Mp3,
        Dts,
    }

    /// A track's stream once read, or what it still needs from its first frame.
    enum Pending {
        Done(Stream),
        Frame(Need),
    }

    /// The title and language keys FFmpeg ends with for one dictionary (format or
    /// stream), emulating `av_dict_set`'s case-insensitive replacement.
    #[derive(Default, Clone)]
    struct Keys {
        title: Option<(String, String)>,
        language: Option<(String, String)>,
    }

    impl Keys {
        fn set(&mut self, key: &str, value: Option<&str>) {
            let slot = if key.eq_ignore_ascii_case("title") {
                &mut self.title
            } else if key.eq_ignore_ascii_case("language") {
                &mut self.language
            } else {
                return;
            };
            *slot = value.map(|v| (key.to_owned(), v.to_owned()));
        }

        /// The value `parse` reads: only under the exact lower-case key.
        fn get(slot: &Option<(String, String)>, key: &str) -> Option<String> {
            slot.as_ref()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        }
    }

    pub(super) fn probe(input: &Input) -> Option<Facts> {
        let segment = read_segment(input)?;
        let (duration_us, title) = info(input, segment.info.as_deref()?)?;
        let mut format = Keys::default();
        if let Some(t) = &title {
            format.set("title", Some(t));
        }
        let mut tracks = Vec::new();
        for e in elements(input, segment.tracks.as_deref()?)? {
            if e.id == 0xAE {
                let t = track_entry(input, e.body)?;
                if let Some(t) = with_stream(t)? {
                    tracks.push(t);
                }
            }
        }
        let mut keys: Vec<Keys> = tracks.iter().map(|t| t.keys.clone()).collect();
        for tags in &segment.tags {
            apply_tags(input, tags, &tracks, &mut keys, &mut format)?;
        }
        let wanted: Vec<(u64, Need)> = tracks
            .iter()
            .filter_map(|t| match t.pending {
                Pending::Frame(need) => Some((t.track.number, need)),
                Pending::Done(_) => None,
            })
            .collect();
        let mut frames = if wanted.is_empty() {
            Vec::new()
        } else {
            first_frames(input, &segment, &tracks, &wanted)?
        };
        let mut streams = Vec::new();
        for (t, k) in tracks.into_iter().zip(keys) {
            let stream = match t.pending {
                Pending::Done(s) => s,
                Pending::Frame(need) => {
                    let i = frames.iter().position(|(n, _, _)| *n == t.track.number)?;
                    let (_, frame, len) = frames.swap_remove(i);
                    from_frame(&t.track, need, &frame, len)?
                }
            };
            streams.push(with_keys(stream, &k));
        }
        Some(Facts {
            duration_us,
            title: Keys::get(&format.title, "title"),
            streams,
        })
    }

    /// A track that makes a stream, with its tag keys and what it still needs.
    struct Made {
        track: Track,
        keys: Keys,
        pending: Pending,
    }

    /// The stream FFmpeg makes for a track: `Ok(None)` for a track it skips, `None` for
    /// one this reader cannot answer for.
    fn with_stream(t: Track) -> Option<Option<Made>> {
        let prefix_ok = match t.kind {
            1 => t.codec_id.starts_with('V'),
            2 => t.codec_id.starts_with('A'),
            17 => t.codec_id.starts_with('S') || t.codec_id.starts_with('D'),
            33 => return None,
            _ => return Some(None),
        };
        if t.codec_id.is_empty() || !prefix_ok {
            return Some(None);
        }
        let mut keys = Keys::default();
        if t.language != "und" {
            keys.set("language", Some(&t.language));
        }
        if let Some(name) = &t.name {
            keys.set("title", Some(name));
        }
        let codec = codec_name(&t.codec_id)?;
        let pending = match t.kind {
            1 => video(&t, codec)?,
            2 => audio(&t, codec)?,
            _ => Pending::Done(Stream::Subtitle(Subtitle {
                codec: match codec {
                    "subrip" | "ass" | "webvtt" | "hdmv_pgs_subtitle" | "dvd_subtitle"
                    | "dvb_subtitle" | "hdmv_text_subtitle" | "text" => codec,
                    _ => return None,
                },
                language: None,
                title: None,
                forced: t.forced,
            })),
        };
        Some(Some(Made {
            track: t,
            keys,
            pending,
        }))
    }

    fn video(t: &Track, codec: &str) -> Option<Pending> {
        if t.encoded || t.alpha {
            return None;
        }
        let ctx = VideoContext {
            width: u32::try_from(t.width).ok()?,
            height: u32::try_from(t.height).ok()?,
            full_range: t.full_range,
            rgb: t.rgb,
        };
        let facts: VideoFacts = match codec {
            "h264" => h264::from_avcc(t.private.as_deref()?, ctx)?,
            "hevc" => hevc::from_hvcc(t.private.as_deref()?)?,
            "av1" => av1::from_av1c(t.private.as_deref()?)?,
            "vp9" => return Some(Pending::Frame(Need::Vp9)),
            "vp8" => return Some(Pending::Frame(Need::Vp8)),
            _ => return None,
        };
        facts
            .into_stream(None, Some(frame_rate(t)?))
            .map(Pending::Done)
    }

    /// The average frame rate FFmpeg sets from DefaultDuration.
    fn frame_rate(t: &Track) -> Option<f64> {
        if t.default_duration == 0 {
            return None; // ffprobe measures it from the packets
        }
        let div = if t.default_duration <= i64::MAX as u64 {
            1
        } else {
            2
        };
        let den = i64::try_from(t.default_duration / div).ok()?;
        Some(rate(av_reduce(1_000_000_000 / div as i64, den, 30_000)?))
    }

    fn audio(t: &Track, codec: &'static str) -> Option<Pending> {
        if t.encoded {
            return None;
        }
        let private = t.private.as_deref();
        let channels = match codec {
            "aac" => aac_channels(private?)?,
            "opus" => opus_channels(private?.strip_prefix(b"OpusHead")?)?,
            "vorbis" => vorbis_channels(private?)?,
            "flac" => flac_channels(private?.strip_prefix(b"fLaC")?)?,
            "alac" => alac_channels(private?)?,
            "pcm_s16le" | "pcm_s16be" => {
                let codec = pcm_name(codec, t.bit_depth)?;
                return Some(Pending::Done(Stream::Audio(Audio {
                    codec,
                    channels: i32::try_from(t.channels).ok().filter(|c| *c > 0)?,
                    language: None,
                    title: None,
                    default: t.default,
                })));
            }
            "ac3" => return Some(Pending::Frame(Need::Ac3)),
            "eac3" => return Some(Pending::Frame(Need::Eac3)),
            "mp3" => return Some(Pending::Frame(Need::Mp3)),
            "dts" => return Some(Pending::Frame(Need::Dts)),
            _ => return None,
        };
        Some(Pending::Done(Stream::Audio(Audio {
            codec,
            channels,
            language: None,
            title: None,
            default: t.default,
        })))
    }

    /// The PCM codec FFmpeg picks by BitDepth.
    fn pcm_name(codec: &str, bit_depth: u64) -> Option<&'static str> {
        let little = codec == "pcm_s16le";
        Some(match (bit_depth, little) {
            (8, _) => "pcm_u8",
            (16, true) => "pcm_s16le",
            (16, false) => "pcm_s16be",
            (24, true) => "pcm_s24le",
            (24, false) => "pcm_s24be",
            (32, true) => "pcm_s32le",
            (32, false) => "pcm_s32be",
            _ => return None,
        })
    }

    /// The stream of a track whose facts come from its first frame.
    fn from_frame(t: &Track, need: Need, frame: &[u8], len: u64) -> Option<Stream> {
        let audio = |codec: &'static str, channels: i32| {
            Stream::Audio(Audio {
                codec,
                channels,
                language: None,
                title: None,
                default: t.default,
            })
        };
        Some(match need {
            Need::Vp9 => vp9_frame(frame)?.into_stream(None, Some(frame_rate(t)?))?,
            Need::Vp8 => vp8_frame(frame)?.into_stream(None, Some(frame_rate(t)?))?,
            Need::Ac3 | Need::Eac3 => {
                let (codec, channels) = ac3_channels(frame, len)?;
                if (codec == "ac3") != (need == Need::Ac3) {
                    return None;
                }
                audio(codec, channels)
            }
            Need::Mp3 => audio("mp3", mp3_channels(frame)?),
            Need::Dts => audio("dts", dts_channels(frame, len)?),
        })
    }

    /// The stream with the title and language its keys give `parse`.
    fn with_keys(stream: Stream, keys: &Keys) -> Stream {
        let title = Keys::get(&keys.title, "title");
        let language = Keys::get(&keys.language, "language");
        match stream {
            Stream::Audio(a) => Stream::Audio(Audio {
                title,
                language,
                ..a
            }),
            Stream::Subtitle(s) => Stream::Subtitle(Subtitle {
                title,
                language,
                ..s
            }),
            other => other,
        }
    }

    /// Tags: FFmpeg stores each SimpleTag under its name in the format's or the
    /// targeted tracks' metadata, where a `TITLE` or `LANGUAGE` replaces the key `parse`
    /// reads.
    fn apply_tags(
        input: &Input,
        body: &[u8],
        tracks: &[Made],
        keys: &mut [Keys],
        format: &mut Keys,
    ) -> Option<()> {
        for tag in elements(input, body)? {
            if tag.id != 0x7373 {
                continue;
            }
            let (mut track_uid, mut other_target, mut prefixed) = (0, false, false);
            let mut simple = Vec::new();
            for e in elements(input, tag.body)? {
                match e.id {
                    0x63C0 => {
                        for t in elements(input, e.body)? {
                            match t.id {
                                0x63C5 => track_uid = uint(t.body)?,
                                0x63C4 | 0x63C6 => other_target |= uint(t.body)? != 0,
                                0x63CA => prefixed = true,
                                _ => {}
                            }
                        }
                    }
                    0x67C8 => simple.push(simple_tag(input, e.body)?),
                    _ => {}
                }
            }
            if other_target {
                continue; // chapters and attachments
            }
            for (name, value) in simple {
                if track_uid != 0 {
                    for (t, k) in tracks.iter().zip(keys.iter_mut()) {
                        if t.track.uid == track_uid {
                            k.set(&name, value.as_deref());
                        }
                    }
                } else if !prefixed {
                    format.set(&name, value.as_deref());
                }
            }
        }
        Some(())
    }

    /// A SimpleTag's name and string, if FFmpeg stores it under its bare name (a
    /// non-default tag in another language is stored as `NAME-lang`).
    fn simple_tag(input: &Input, body: &[u8]) -> Option<(String, Option<String>)> {
        let (mut name, mut value, mut lang, mut default) = (None, None, None, false);
        for e in elements(input, body)? {
            match e.id {
                0x45A3 => name = Some(string(e.body)?),
                0x4487 => value = Some(string(e.body)?),
                0x447A => lang = Some(string(e.body)?),
                0x4484 | 0x44B4 => default = uint(e.body)? != 0, // TagDefault (and its old ID)
                _ => {}
            }
        }
        let lang = lang.filter(|l| l != "und");
        let name = name
            .filter(|_| default || lang.is_none())
            .unwrap_or_default();
        Some((name, value))
    }

    /// The first frame of each wanted track: (track number, bytes, full length).
    fn first_frames(
        input: &Input,
        segment: &Segment,
        tracks: &[Made],
        wanted: &[(u64, Need)],
    ) -> Option<Vec<(u64, Vec<u8>, u64)>> {
        let mut found: Vec<(u64, Vec<u8>, u64)> = Vec::new();
        let mut at = segment.first_cluster?;
        let mut blocks = 0;
        for _ in 0..MAX_CLUSTERS {
            if at >= segment.end {
                break;
            }
            let cluster = header_at(input, at)?;
            if cluster.id != CLUSTER {
                break;
            }
            let end = cluster.end()?.min(segment.end);
            let mut pos = cluster.offset;
            while pos < end {
                let h = header_at(input, pos)?;
                let block = match h.id {
                    SIMPLE_BLOCK => Some((h.offset, h.size?)),
                    BLOCK_GROUP => block_in_group(input, &h)?,
                    _ => None,
                };
                if let Some((offset, size)) = block {
                    blocks += 1;
                    if blocks > MAX_BLOCKS {
                        return None;
                    }
                    if let Some(frame) = block_frame(input, offset, size, tracks, &found, wanted)? {
                        found.push(frame);
                        if found.len() == wanted.len() {
                            return Some(found);
                        }
                    }
                }
                pos = h.end()?;
            }
            at = cluster.end()?;
        }
        None
    }

    fn block_in_group(input: &Input, group: &Header) -> Option<Option<(u64, u64)>> {
        let end = group.end()?;
        let mut pos = group.offset;
        while pos < end {
            let h = header_at(input, pos)?;
            if h.id == BLOCK {
                return Some(Some((h.offset, h.size?)));
            }
            pos = h.end()?;
        }
        Some(None)
    }

    /// The first frame of a block, if it belongs to a wanted track not yet found.
    fn block_frame(
        input: &Input,
        offset: u64,
        size: u64,
        tracks: &[Made],
        found: &[(u64, Vec<u8>, u64)],
        wanted: &[(u64, Need)],
    ) -> Option<Option<(u64, Vec<u8>, u64)>> {
        let head = input.read_upto(offset, 16.min(size))?;
        let (number, used) = read_size(&head)?;
        let number = number?;
        if !wanted.iter().any(|(n, _)| *n == number) || found.iter().any(|(n, _, _)| *n == number) {
            return Some(None);
        }
        let track = &tracks.iter().find(|t| t.track.number == number)?.track;
        let flags = *head.get(used + 2)?;
        let mut at = (used + 3) as u64;
        let payload = size.checked_sub(at)?;
        let len = match (flags >> 1) & 3 {
            0 => payload,
            lacing => {
                let lace_head = input.read_upto(offset + at, 64.min(payload))?;
                let (first, used) = first_lace(&lace_head, lacing, payload)?;
                at += used as u64;
                first
            }
        };
        if len > size.checked_sub(at)? {
            return None;
        }
        let mut frame = track.strip.clone();
        frame.extend(input.read(offset + at, len.min(MAX_FRAME_PEEK), MAX_FRAME_PEEK)?);
        Some(Some((number, frame, len + track.strip.len() as u64)))
    }

    /// The first frame's length in a laced block and the lace header's length.
    fn first_lace(head: &[u8], lacing: u8, payload: u64) -> Option<(u64, usize)> {
        let count = u64::from(*head.first()?) + 1;
        match lacing {
            1 => {
                let mut len = 0u64;
                let mut at = 1;
                loop {
                    let b = *head.get(at)?;
                    at += 1;
                    len += u64::from(b);
                    if b != 255 {
                        break;
                    }
                }
                // The rest of the Xiph lace sizes.
                let mut skip = at;
                for _ in 1..count - 1 {
                    while *head.get(skip)? == 255 {
                        skip += 1;
                    }
                    skip += 1;
                }
                Some((len, skip))
            }
            3 => {
                let (first, used) = read_size(head.get(1..)?)?;
                let mut skip = 1 + used;
                for _ in 1..count - 1 {
                    let (_, used) = read_size(head.get(skip..)?)?;
                    skip += used;
                }
                Some((first?, skip))
            }
            _ => {
                let rest = payload.checked_sub(1)?;
                (rest % count == 0).then_some((rest / count, 1))
            }
        }
    }

    /// The attachment FFmpeg would show as cover art: one named cover.* first, else the
    /// first JPEG or PNG attachment. Returns its data's offset and length.
    pub(super) fn cover(input: &Input) -> Option<(u64, u64)> {
        let segment = read_segment(input)?;
        let attachments = segment.attachments?;
        let end = attachments.end()?;
        let mut pos = attachments.offset;
        let mut best: Option<(bool, u64, u64)> = None;
        while pos < end {
            let file = header_at(input, pos)?;
            let file_end = file.end()?;
            if file.id == 0x61A7 {
                if let Some((named, offset, len)) = attached_file(input, &file)? {
                    if best.is_none_or(|(b, _, _)| named && !b) {
                        best = Some((named, offset, len));
                    }
                }
            }
            pos = file_end;
        }
        best.map(|(_, offset, len)| (offset, len))
    }

    /// An AttachedFile that is a JPEG or PNG picture: (named cover.*, offset, length).
    fn attached_file(input: &Input, file: &Header) -> Option<Option<(bool, u64, u64)>> {
        let end = file.end()?;
        let mut pos = file.offset;
        let (mut name, mut mime, mut data) = (String::new(), String::new(), None);
        while pos < end {
            let h = header_at(input, pos)?;
            let size = h.size?;
            match h.id {
                0x466E => name = string(&input.read(h.offset, size, 4096)?)?,
                0x4660 => mime = string(&input.read(h.offset, size, 4096)?)?,
                0x465C => data = Some((h.offset, size)),
                _ => {}
            }
            pos = h.end()?;
        }
        let image = matches!(mime.as_str(), "image/jpeg" | "image/jpg" | "image/png");
        let named = name.to_ascii_lowercase().starts_with("cover.");
        Some(
            data.filter(|_| image)
                .map(|(offset, len)| (named, offset, len)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ReadAt for Vec<u8> {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(self.len());
            let n = buf.len().min(self.len() - start);
            buf[..n].copy_from_slice(&self[start..start + n]);
            Ok(n)
        }
    }

    /// A file of `len` zero bytes that is never held in memory.
    struct Zeros(u64);

    impl ReadAt for Zeros {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
            let n = buf
                .len()
                .min(usize::try_from(self.0.saturating_sub(offset)).unwrap_or(usize::MAX));
            buf[..n].fill(0);
            Ok(n)
        }
    }

    fn run(bytes: &[u8]) -> Option<MediaInfo> {
        probe_source(&bytes.to_vec(), bytes.len() as u64)
    }

    fn cover(bytes: &[u8]) -> Option<(Vec<u8>, &'static str)> {
        cover_art_source(&bytes.to_vec(), bytes.len() as u64)
    }

    // --- MP4 building blocks

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(body.len() + 8)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    /// A full box: version, flags, then the payload.
    fn full(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![version];
        body.extend_from_slice(&flags.to_be_bytes()[1..]);
        body.extend_from_slice(payload);
        bx(kind, &body)
    }

    fn be(v: u32) -> [u8; 4] {
        v.to_be_bytes()
    }

    fn mvhd(scale: u32, duration: u32) -> Vec<u8> {
        full(
            b"mvhd",
            0,
            0,
            &[&[0; 8][..], &be(scale), &be(duration), &[0; 80]].concat(),
        )
    }

    fn tkhd(id: u32, enabled: bool) -> Vec<u8> {
        let payload = [&[0; 8][..], &be(id), &[0; 68]].concat();
        full(b"tkhd", 0, if enabled { 3 } else { 2 }, &payload)
    }

    fn mdhd(scale: u32, duration: u32, language: &str) -> Vec<u8> {
        let l = language.as_bytes();
        let code = l.iter().fold(0u16, |c, b| c << 5 | u16::from(b - 0x60));
        let payload = [
            &[0; 8][..],
            &be(scale),
            &be(duration),
            &code.to_be_bytes(),
            &[0; 2],
        ];
        full(b"mdhd", 0, 0, &payload.concat())
    }

    fn hdlr(kind: &[u8; 4]) -> Vec<u8> {
        full(
            b"hdlr",
            0,
            0,
            &[&[0; 4][..], kind, &[0; 12], b"Handler\0"].concat(),
        )
    }

    /// A sample table: `count` samples of `size` bytes in one chunk at `offset`.
    fn stbl(entry: Vec<u8>, count: u32, delta: u32, size: u32, offset: u32) -> Vec<u8> {
        let stsd = full(b"stsd", 0, 0, &[&be(1)[..], &entry].concat());
        let stts = full(b"stts", 0, 0, &[be(1), be(count), be(delta)].concat());
        let sizes: Vec<u8> = (0..count).flat_map(|_| be(size)).collect();
        let stsz = full(b"stsz", 0, 0, &[&be(0)[..], &be(count), &sizes].concat());
        let stsc = full(b"stsc", 0, 0, &[be(1), be(1), be(count), be(1)].concat());
        let stco = full(b"stco", 0, 0, &[be(1), be(offset)].concat());
        bx(b"stbl", &[stsd, stts, stsz, stsc, stco].concat())
    }

    fn trak(tkhd: Vec<u8>, mdhd: Vec<u8>, hdlr: Vec<u8>, stbl: Vec<u8>) -> Vec<u8> {
        let minf = bx(b"minf", &stbl);
        bx(
            b"trak",
            &[tkhd, bx(b"mdia", &[mdhd, hdlr, minf].concat())].concat(),
        )
    }

    /// An `mp4a` entry with an AAC-LC AudioSpecificConfig.
    fn mp4a(asc: &[u8]) -> Vec<u8> {
        let specific = [&[5, u8::try_from(asc.len()).unwrap()][..], asc].concat();
        let config = [
            &[4, u8::try_from(13 + specific.len()).unwrap(), 0x40, 0x15][..],
            &[0; 11],
            &specific,
        ]
        .concat();
        let es = [
            &[3, u8::try_from(3 + config.len()).unwrap(), 0, 1, 0][..],
            &config,
        ]
        .concat();
        let esds = full(b"esds", 0, 0, &es);
        let fields = [
            &[0; 6][..],
            &[0, 1],
            &[0; 8],
            &[0, 2, 0, 16],
            &[0; 4],
            &be(48_000 << 16),
        ];
        bx(b"mp4a", &[&fields.concat()[..], &esds].concat())
    }

    /// The `avcC` of a 640x360 Constrained Baseline stream made by x264.
    const AVCC: &str =
        "0142c01effe100196742c01eda0280bfe5c044000003000400000300c83c58ba8001000468ce0fc8";
    /// The `hvcC` (VPS, SPS, PPS) of a 640x360 Main stream made by x265.
    const HVCC: &str = "0101600000009000000000003ff000fcfdf8f800000f03a00001001840010c01ffff01600000030090000003000003003f959409a10001002b42010101600000030090000003000003003fa005020171f2e595952930bc05a02000000300200000030321a2000100064401c073c18927";
    /// The `av1C` of a 640x360 stream made by libaom.
    const AV1C: &str = "81010c000a0b0000000cc4ff6736be4010";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn visual(kind: &[u8; 4], config: Vec<u8>) -> Vec<u8> {
        let fields = [
            &[0; 6][..],
            &[0, 1],
            &[0; 16],
            &640u16.to_be_bytes(),
            &360u16.to_be_bytes(),
            &be(0x48_0000),
            &be(0x48_0000),
            &[0; 4],
            &[0, 1],
            &[0; 32],
            &[0, 0x18, 0xFF, 0xFF],
        ]
        .concat();
        bx(kind, &[fields, config].concat())
    }

    /// An MP4 with an H.264 track (50 frames at 25 fps of 1000 bytes) and an AAC track,
    /// `moov` first or last.
    fn mp4(moov_first: bool, extra_udta: &[u8]) -> Vec<u8> {
        let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");
        let mdat_len = 8 + 50 * 1000 + 2 * 10;
        let build = |mdat_at: u32| {
            let video = trak(
                tkhd(1, true),
                mdhd(12_800, 25_600, "und"),
                hdlr(b"vide"),
                stbl(
                    visual(b"avc1", bx(b"avcC", &hex(AVCC))),
                    50,
                    512,
                    1000,
                    mdat_at + 8,
                ),
            );
            let audio = trak(
                tkhd(2, true),
                mdhd(48_000, 96_000, "fra"),
                hdlr(b"soun"),
                stbl(mp4a(&[0x11, 0x90]), 2, 1024, 10, mdat_at + 8 + 50_000),
            );
            bx(
                b"moov",
                &[mvhd(1000, 2000), video, audio, extra_udta.to_vec()].concat(),
            )
        };
        let mdat = bx(b"mdat", &vec![0; mdat_len - 8]);
        if moov_first {
            let moov_len = build(0).len();
            let moov = build(u32::try_from(ftyp.len() + moov_len).unwrap());
            [ftyp, moov, mdat].concat()
        } else {
            let moov = build(u32::try_from(ftyp.len()).unwrap());
            [ftyp, mdat, moov].concat()
        }
    }

    fn expected_mp4(size: usize) -> MediaInfo {
        MediaInfo {
            duration: Some(2.0),
            bit_rate: Some(i64::try_from(size).unwrap() * 4),
            title: None,
            video: Some(VideoStream {
                codec: "h264".into(),
                profile: Some("Constrained Baseline".into()),
                level: Some(30),
                width: 640,
                height: 360,
                bit_rate: Some(200_000),
                frame_rate: Some(25.0),
                pixel_format: Some("yuv420p".into()),
            }),
            audio: vec![AudioStream {
                index: 1,
                codec: "aac".into(),
                channels: Some(2),
                language: Some("fra".into()),
                title: None,
                default: true,
            }],
            subtitles: vec![],
        }
    }

    #[test]
    fn mp4_with_moov_first_or_last() {
        for moov_first in [true, false] {
            let file = mp4(moov_first, &[]);
            assert_eq!(
                run(&file),
                Some(expected_mp4(file.len())),
                "moov first: {moov_first}"
            );
        }
    }

    fn ilst_item(kind: &[u8; 4], data_type: u32, value: &[u8]) -> Vec<u8> {
        bx(
            kind,
            &bx(b"data", &[&be(data_type)[..], &[0; 4], value].concat()),
        )
    }

    fn udta(items: &[Vec<u8>]) -> Vec<u8> {
        let meta = full(
            b"meta",
            0,
            0,
            &[hdlr(b"mdir"), bx(b"ilst", &items.concat())].concat(),
        );
        bx(b"udta", &meta)
    }

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 not really a jpeg";

    #[test]
    fn mp4_title_and_cover_picture_stream() {
        let udta = udta(&[
            ilst_item(b"\xa9nam", 1, b"A Film"),
            ilst_item(b"covr", 13, JPEG),
        ]);
        let file = mp4(true, &udta);
        let info = run(&file).unwrap();
        assert_eq!(info.title.as_deref(), Some("A Film"));
        // The picture is stream 2, after the tracks; the audio stays stream 1.
        assert_eq!(info.audio[0].index, 1);
        assert_eq!(cover(&file), Some((JPEG.to_vec(), "image/jpeg")));
        assert_eq!(cover(&mp4(true, &[])), None);
    }

    #[test]
    fn mp4_quicktime_metadata_keys_may_rename_the_title() {
        let keys = |name: &str| {
            let key = [&be(8 + name.len() as u32)[..], b"mdta", name.as_bytes()].concat();
            full(b"keys", 0, 0, &[&be(1)[..], &key].concat())
        };
        let meta = |name: &str| {
            let ilst = bx(b"ilst", &ilst_item(&be(1), 1, b"Keyed"));
            bx(b"meta", &[hdlr(b"mdta"), keys(name), ilst].concat())
        };
        let made = run(&mp4(true, &meta("com.apple.quicktime.make"))).unwrap();
        assert_eq!(made.title, None);
        assert_eq!(
            run(&mp4(true, &meta("title"))).unwrap().title.as_deref(),
            Some("Keyed")
        );
        // ffprobe would print the key as `Title`, which parse does not read.
        assert_eq!(run(&mp4(true, &meta("Title"))).unwrap().title, None);
        assert_eq!(run(&mp4(true, &meta("com.apple.quicktime.artwork"))), None);
    }

    #[test]
    fn mp4_fragmented_or_without_moov_is_left_to_ffprobe() {
        let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isom");
        assert_eq!(run(&[ftyp.clone(), bx(b"mdat", &[0; 64])].concat()), None);
        let file = mp4(true, &[]);
        let moof = bx(b"moof", &full(b"mfhd", 0, 0, &be(1)));
        assert_eq!(run(&[file.clone(), moof].concat()), None);
        let mvex = bx(b"mvex", &full(b"trex", 0, 0, &[0; 20]));
        assert_eq!(run(&mp4(true, &mvex)), None);
    }

    #[test]
    fn mp4_box_sizes_that_lie() {
        let file = mp4(true, &[]);
        let moov_at = 32;
        assert_eq!(&file[moov_at + 4..moov_at + 8], b"moov");
        // A moov claiming 4 GiB (cut at the end of the file) or 64-bit sizes past it.
        let mut big = file.clone();
        big[moov_at..moov_at + 4].copy_from_slice(&be(u32::MAX));
        assert_eq!(run(&big), None);
        // Size 1 with a 64-bit size that overflows, or is shorter than its header.
        for large in [u64::MAX, u64::MAX - 7, 15, 0] {
            let mut b = file[..moov_at].to_vec();
            b.extend_from_slice(&be(1));
            b.extend_from_slice(b"moov");
            b.extend_from_slice(&large.to_be_bytes());
            b.extend_from_slice(&file[moov_at + 8..]);
            assert_eq!(run(&b), None, "largesize {large}");
        }
        // Size 0: the box runs to the end of the file (moov last, so still fine).
        let mut last = mp4(false, &[]);
        let at = last.len() - (last.len() - 32 - 8 - 50_020);
        assert_eq!(&last[at + 4..at + 8], b"moov");
        last[at..at + 4].copy_from_slice(&be(0));
        assert_eq!(run(&last), Some(expected_mp4(last.len())));
        // A child box larger than its parent.
        let mut child = file.clone();
        let mvhd_at = moov_at + 8;
        child[mvhd_at..mvhd_at + 4].copy_from_slice(&be(1 << 30));
        assert_eq!(run(&child), None);
        // Sizes below the header length.
        for size in [1u32, 4, 7] {
            let mut b = file.clone();
            b[mvhd_at..mvhd_at + 4].copy_from_slice(&be(size));
            assert_eq!(run(&b), None, "size {size}");
        }
    }

    #[test]
    fn a_huge_claimed_moov_is_not_read() {
        // A 5 GiB file of zeros whose first box is a 4 GiB moov: refused by the cap,
        // before anything is allocated or read.
        struct Huge;
        impl ReadAt for Huge {
            fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
                let head = [&be(1)[..], b"moov", &(4u64 << 30).to_be_bytes()].concat();
                for (i, b) in buf.iter_mut().enumerate() {
                    let at = offset + i as u64;
                    *b = usize::try_from(at)
                        .ok()
                        .and_then(|a| head.get(a))
                        .copied()
                        .unwrap_or(0);
                }
                Ok(buf.len())
            }
        }
        assert_eq!(probe_source(&Huge, 5 << 30), None);
        assert_eq!(probe_source(&Zeros(5 << 30), 5 << 30), None);
    }

    #[test]
    fn deep_nesting_is_not_followed() {
        let mut inner = bx(b"udta", &[]);
        for _ in 0..5000 {
            inner = bx(b"udta", &inner);
        }
        let file = mp4(true, &inner);
        assert_eq!(run(&file), Some(expected_mp4(file.len())));
        // A track nested in a track is refused, as FFmpeg stops reading there.
        let nested = bx(b"trak", &bx(b"trak", &[]));
        assert_eq!(run(&mp4(true, &nested)), None);
    }

    #[test]
    fn hevc_and_av1_configurations() {
        let ctx = VideoContext::default();
        let h = hevc::from_hvcc(&hex(HVCC)).unwrap();
        assert_eq!((h.width, h.height, h.level), (640, 360, Some(63)));
        assert_eq!(
            (h.profile.as_deref(), h.pixel_format),
            (Some("Main"), "yuv420p")
        );
        let a = av1::from_av1c(&hex(AV1C)).unwrap();
        assert_eq!((a.width, a.height, a.level), (640, 360, Some(1)));
        assert_eq!(
            (a.profile.as_deref(), a.pixel_format),
            (Some("Main"), "yuv420p")
        );
        let c = h264::from_avcc(&hex(AVCC), ctx).unwrap();
        assert_eq!((c.width, c.height), (640, 360));
        // The container's smaller size wins when it rounds to the same macroblocks.
        let cropped = VideoContext {
            width: 640,
            height: 356,
            ..ctx
        };
        assert_eq!(h264::from_avcc(&hex(AVCC), cropped).unwrap().height, 356);
        let other_rounding = VideoContext {
            width: 640,
            height: 352,
            ..ctx
        };
        assert_eq!(
            h264::from_avcc(&hex(AVCC), other_rounding).unwrap().height,
            360
        );
        // Full range from the container makes yuvj420p: left to ffprobe.
        let full_range = VideoContext {
            full_range: true,
            ..ctx
        };
        assert!(h264::from_avcc(&hex(AVCC), full_range).is_none());
    }

    #[test]
    fn frame_rates_as_ffmpeg_reduces_them() {
        assert_eq!(
            av_reduce(1_000_000_000, 41_708_333, 30_000),
            Some((24_000, 1001))
        );
        assert_eq!(av_reduce(1_000_000_000, 40_000_000, 30_000), Some((25, 1)));
        assert_eq!(
            av_reduce(12_800 * 50, 25_600, i64::from(i32::MAX)),
            Some((25, 1))
        );
        assert_eq!(av_reduce(0, 1, 10), None);
        assert_eq!(rescale(2000, 1_000_000, 1000), Some(2_000_000));
        assert_eq!(rescale(1, 1, 0), None);
    }

    #[test]
    fn audio_channel_counts() {
        assert_eq!(aac_channels(&[0x11, 0x90]), Some(2));
        assert_eq!(aac_channels(&[0x11, 0xB0]), Some(6));
        // Mono AAC-LC may carry parametric stereo: unknown until decoded.
        assert_eq!(aac_channels(&[0x11, 0x88]), None);
        let mut ac3 = vec![0x0B, 0x77, 0, 0, 0x1E, 0x40, 0xE0, 0];
        ac3.resize(1792, 0);
        // acmod 7 (3/2), centre and surround mix levels, LFE.
        ac3[6] = 0b1110_0001;
        assert_eq!(ac3_channels(&ac3, 1792), Some(("ac3", 6)));
        assert_eq!(ac3_channels(&ac3, 2048), None);
        assert_eq!(mp3_channels(&[0xFF, 0xFB, 0x90, 0xC4]), Some(1));
        assert_eq!(mp3_channels(&[0xFF, 0xFB, 0x90, 0x44]), Some(2));
        let opus = [1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(opus_channels(&opus), Some(6));
        assert_eq!(opus_channels(&[1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    // --- Matroska building blocks

    fn el(id: u32, body: &[u8]) -> Vec<u8> {
        let id_bytes = id.to_be_bytes();
        let skip = id_bytes.iter().position(|b| *b != 0).unwrap();
        let mut e = id_bytes[skip..].to_vec();
        e.push(0x01);
        e.extend_from_slice(&(body.len() as u64).to_be_bytes()[1..]);
        e.extend_from_slice(body);
        e
    }

    fn uint_el(id: u32, v: u64) -> Vec<u8> {
        el(id, &v.to_be_bytes())
    }

    fn ebml_header(doctype: &str) -> Vec<u8> {
        el(
            0x1A45_DFA3,
            &[uint_el(0x42F7, 1), el(0x4282, doctype.as_bytes())].concat(),
        )
    }

    /// A VP9 profile 0 key frame header of the given size.
    fn vp9_key_frame(width: u32, height: u32) -> Vec<u8> {
        let mut bits = Vec::new();
        let mut put = |value: u32, n: u32| {
            for i in (0..n).rev() {
                bits.push((value >> i) & 1 == 1);
            }
        };
        put(0b10, 2); // frame marker
        put(0, 2); // profile 0
        put(0, 1); // show_existing_frame
        put(0, 1); // key frame
        put(1, 1); // show_frame
        put(0, 1); // error_resilient_mode
        put(0x49_83_42, 24);
        put(2, 3); // BT.709
        put(0, 1); // limited range
        put(width - 1, 16);
        put(height - 1, 16);
        let mut out: Vec<u8> = bits
            .chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0, |b, (i, bit)| b | u8::from(*bit) << (7 - i))
            })
            .collect();
        out.resize(64, 0);
        out
    }

    fn opus_head(channels: u8) -> Vec<u8> {
        [
            &b"OpusHead"[..],
            &[1, channels, 0, 0],
            &be(48_000).map(|b| b)[..]
                .iter()
                .rev()
                .copied()
                .collect::<Vec<_>>(),
            &[0, 0, 0],
        ]
        .concat()
    }

    /// A WebM file: an Opus track (1) and a VP9 track (2) with one key frame.
    fn webm(extra_tracks: &[u8], info_extra: &[u8], tags: &[u8], duration: Option<f64>) -> Vec<u8> {
        let [info, tracks, cluster] = webm_parts(extra_tracks, info_extra, duration);
        let segment = [info, tracks, tags.to_vec(), cluster].concat();
        [ebml_header("webm"), el(0x1853_8067, &segment)].concat()
    }

    /// The Info, Tracks and Cluster elements of [`webm`].
    fn webm_parts(extra_tracks: &[u8], info_extra: &[u8], duration: Option<f64>) -> [Vec<u8>; 3] {
        let mut info = vec![uint_el(0x2AD7B1, 1_000_000), el(0x7BA9, b"WebM Title")];
        if let Some(d) = duration {
            info.push(el(0x4489, &d.to_be_bytes()));
        }
        info.push(info_extra.to_vec());
        let opus = el(
            0xAE,
            &[
                uint_el(0xD7, 1),
                uint_el(0x73C5, 11),
                uint_el(0x83, 2),
                el(0x86, b"A_OPUS"),
                el(0x63A2, &opus_head(2)),
                el(0x536E, b"Commentary"),
            ]
            .concat(),
        );
        let video = el(
            0xAE,
            &[
                uint_el(0xD7, 2),
                uint_el(0x73C5, 22),
                uint_el(0x83, 1),
                el(0x86, b"V_VP9"),
                uint_el(0x23E383, 40_000_000),
                el(0xE0, &[uint_el(0xB0, 320), uint_el(0xBA, 240)].concat()),
            ]
            .concat(),
        );
        let block = [&[0x82, 0, 0, 0x80][..], &vp9_key_frame(320, 240)].concat();
        let cluster = el(0x1F43_B675, &[uint_el(0xE7, 0), el(0xA3, &block)].concat());
        [
            el(0x1549_A966, &info.concat()),
            el(0x1654_AE6B, &[opus, video, extra_tracks.to_vec()].concat()),
            cluster,
        ]
    }

    fn expected_webm(size: usize) -> MediaInfo {
        MediaInfo {
            duration: Some(2.0),
            bit_rate: Some(i64::try_from(size).unwrap() * 4),
            title: Some("WebM Title".into()),
            video: Some(VideoStream {
                codec: "vp9".into(),
                profile: Some("Profile 0".into()),
                level: None,
                width: 320,
                height: 240,
                bit_rate: None,
                frame_rate: Some(25.0),
                pixel_format: Some("yuv420p".into()),
            }),
            audio: vec![AudioStream {
                index: 0,
                codec: "opus".into(),
                channels: Some(2),
                language: Some("eng".into()),
                title: Some("Commentary".into()),
                default: true,
            }],
            subtitles: vec![],
        }
    }

    #[test]
    fn webm_tracks_in_order_with_matroska_defaults() {
        let file = webm(&[], &[], &[], Some(2000.0));
        assert_eq!(run(&file), Some(expected_webm(file.len())));
    }

    #[test]
    fn matroska_tracks_after_the_clusters_found_through_the_seek_head() {
        let [info, tracks, cluster] = webm_parts(&[], &[], Some(2000.0));
        let seek = |position: u64| {
            let entry = [
                el(0x53AB, &[0x16, 0x54, 0xAE, 0x6B]),
                uint_el(0x53AC, position),
            ];
            el(0x114D_9B74, &el(0x4DBB, &entry.concat()))
        };
        let position = (seek(0).len() + info.len() + cluster.len()) as u64;
        let segment = [seek(position), info, cluster, tracks].concat();
        let file = [ebml_header("webm"), el(0x1853_8067, &segment)].concat();
        assert_eq!(run(&file), Some(expected_webm(file.len())));
        // Without the SeekHead the tracks are not found.
        let [info, tracks, cluster] = webm_parts(&[], &[], Some(2000.0));
        let segment = [info, cluster, tracks].concat();
        assert_eq!(
            run(&[ebml_header("webm"), el(0x1853_8067, &segment)].concat()),
            None
        );
    }

    #[test]
    fn matroska_subtitles_and_skipped_tracks() {
        let srt = el(
            0xAE,
            &[
                uint_el(0xD7, 3),
                uint_el(0x83, 17),
                el(0x86, b"S_TEXT/UTF8"),
                el(0x22B59C, b"ger"),
                uint_el(0x55AA, 1),
                uint_el(0x88, 0),
            ]
            .concat(),
        );
        // A track of an unknown type makes no stream; the subtitle after it is stream 2.
        let logo = el(
            0xAE,
            &[uint_el(0xD7, 4), uint_el(0x83, 0x10), el(0x86, b"V_LOGO")].concat(),
        );
        let file = webm(&[logo, srt].concat(), &[], &[], Some(2000.0));
        let info = run(&file).unwrap();
        assert_eq!(
            info.subtitles,
            vec![SubtitleStream {
                index: 2,
                codec: "subrip".into(),
                language: Some("ger".into()),
                title: None,
                forced: true,
            }]
        );
        // WebVTT under its newer CodecID is named differently by FFmpeg versions.
        let vtt = el(
            0xAE,
            &[
                uint_el(0xD7, 5),
                uint_el(0x83, 17),
                el(0x86, b"S_TEXT/WEBVTT"),
            ]
            .concat(),
        );
        assert_eq!(run(&webm(&vtt, &[], &[], Some(2000.0))), None);
    }

    fn tag(target: &[u8], name: &str, value: &str) -> Vec<u8> {
        let simple = el(
            0x67C8,
            &[el(0x45A3, name.as_bytes()), el(0x4487, value.as_bytes())].concat(),
        );
        el(0x7373, &[el(0x63C0, target), simple].concat())
    }

    #[test]
    fn matroska_tags_rename_keys_as_ffmpeg_does() {
        // A global TITLE tag replaces Info's title under the key `TITLE`, which parse
        // does not read; a track's `title` tag replaces its Name.
        let tags = el(
            0x1254_C367,
            &[
                tag(&[], "TITLE", "Tagged"),
                tag(&uint_el(0x63C5, 11), "title", "Renamed"),
                tag(&uint_el(0x63C5, 11), "LANGUAGE", "fre"),
            ]
            .concat(),
        );
        let info = run(&webm(&[], &[], &tags, Some(2000.0))).unwrap();
        assert_eq!(info.title, None);
        assert_eq!(info.audio[0].title.as_deref(), Some("Renamed"));
        assert_eq!(info.audio[0].language, None);
    }

    #[test]
    fn matroska_without_duration_or_with_unknown_sizes() {
        assert_eq!(run(&webm(&[], &[], &[], None)), None);
        // Unknown-size Segment and Cluster (live streams) are read up to the end.
        let file = webm(&[], &[], &[], Some(2000.0));
        let mut live = file.clone();
        let seg_at = ebml_header("webm").len();
        live[seg_at + 4..seg_at + 12]
            .copy_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(run(&live), Some(expected_webm(live.len())));
        // Unknown size for Tracks is refused.
        let tracks_at = file
            .windows(4)
            .position(|w| w == [0x16, 0x54, 0xAE, 0x6B])
            .unwrap();
        let mut unknown = file.clone();
        unknown[tracks_at + 4..tracks_at + 12]
            .copy_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(run(&unknown), None);
        // Sizes past the end of the file or of the parent.
        let mut past = file.clone();
        past[tracks_at + 4..tracks_at + 12]
            .copy_from_slice(&[0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]);
        assert_eq!(run(&past), None);
        // Not Matroska or WebM.
        let mut doctype = file;
        let at = doctype.windows(4).position(|w| w == b"webm").unwrap();
        doctype[at..at + 4].copy_from_slice(b"wxyz");
        assert_eq!(run(&doctype), None);
    }

    #[test]
    fn matroska_cover_attachment() {
        let file_el = |name: &str, mime: &str, data: &[u8]| {
            el(
                0x61A7,
                &[
                    el(0x466E, name.as_bytes()),
                    el(0x4660, mime.as_bytes()),
                    el(0x465C, data),
                ]
                .concat(),
            )
        };
        let png = b"\x89PNG\r\n\x1a\n rest";
        let attachments = el(
            0x1941_A469,
            &[
                file_el("font.ttf", "font/ttf", b"font"),
                file_el("other.png", "image/png", png),
                file_el("cover.jpg", "image/jpeg", JPEG),
            ]
            .concat(),
        );
        let with = webm(&[], &[], &attachments, Some(2000.0));
        assert_eq!(cover(&with), Some((JPEG.to_vec(), "image/jpeg")));
        // Attachments come after the tracks and change no stream index.
        assert_eq!(run(&with).unwrap().audio[0].index, 0);
        assert_eq!(cover(&webm(&[], &[], &[], Some(2000.0))), None);
    }

    /// A small xorshift generator, so the mutations are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }
    }

    #[test]
    fn truncated_and_mutated_files_never_panic() {
        let udta = udta(&[
            ilst_item(b"\xa9nam", 1, b"A Film"),
            ilst_item(b"covr", 13, JPEG),
        ]);
        let samples = [
            mp4(true, &udta),
            mp4(false, &[]),
            webm(&[], &[], &[], Some(2000.0)),
        ];
        for sample in &samples {
            for len in 0..sample.len().min(4096) {
                let _ = run(&sample[..len]);
                let _ = cover(&sample[..len]);
            }
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let mut bytes = samples[round % samples.len()].clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => bytes[at] = 0xFF,
                    2 => bytes[at] = 0x00,
                    _ => bytes[at] ^= 1 << rng.below(8),
                }
            }
            let _ = run(&bytes);
            let _ = cover(&bytes);
        }
    }

    #[test]
    fn the_public_functions_read_a_file() {
        let path =
            std::env::temp_dir().join(format!("homestream-container-{}.mp4", std::process::id()));
        let udta = udta(&[ilst_item(b"covr", 14, b"\x89PNG\r\n\x1a\n png")]);
        let bytes = mp4(false, &udta);
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let info = probe(&file, bytes.len() as u64);
        let art = cover_art(&file, bytes.len() as u64);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(info, Some(expected_mp4(bytes.len())));
        assert_eq!(art.map(|(_, mime)| mime), Some("image/png"));
    }
}
