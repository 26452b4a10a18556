//! ffmpeg command lines: HLS segments from a point, progressive fragmented MP4, remux,
//! and WebVTT subtitles. Pure argument lists, so what we ask of ffmpeg is unit-tested.

use super::hls::{Variant, AUDIO_KBPS};
use super::tracks::audio_map;
use crate::config::{HardwareEncoder, TranscodeSettings};
use crate::library::probe::{input_guard, MEDIA_FORMATS, SUBTITLE_FORMATS};
use std::ffi::OsString;
use std::path::Path;

/// What to encode a video stream to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoTarget {
    pub height: u32,
    pub kbps: u32,
    /// Force a keyframe every this many seconds of output.
    pub keyframe_every: u32,
}

fn push(args: &mut Vec<OsString>, items: &[&str]) {
    args.extend(items.iter().map(OsString::from));
}

fn input(
    args: &mut Vec<OsString>,
    settings: &TranscodeSettings,
    source: &Path,
    start: f64,
    duration: Option<f64>,
) {
    push(args, &["-nostdin", "-hide_banner", "-loglevel", "error"]);
    match settings.hardware {
        HardwareEncoder::Vaapi => {
            args.push("-vaapi_device".into());
            args.push(settings.device.clone().into());
        }
        HardwareEncoder::Qsv => {
            args.push("-init_hw_device".into());
            let mut dev = OsString::from("qsv=hw:");
            dev.push(&settings.device);
            args.push(dev);
            push(args, &["-filter_hw_device", "hw"]);
        }
        HardwareEncoder::None | HardwareEncoder::Nvenc => {}
    }
    if start > 0.0 {
        push(args, &["-ss", &format!("{start:.3}")]);
    }
    if let Some(duration) = duration {
        push(args, &["-t", &format!("{duration:.3}")]);
    }
    push(args, &input_guard(MEDIA_FORMATS));
    args.push("-i".into());
    args.push(source.into());
}

fn video(args: &mut Vec<OsString>, settings: &TranscodeSettings, t: VideoTarget) {
    let (filter, codec) = match settings.hardware {
        HardwareEncoder::None => (
            format!("scale=-2:{}:flags=bicubic,format=yuv420p", t.height),
            "libx264",
        ),
        HardwareEncoder::Nvenc => (
            format!("scale=-2:{},format=yuv420p", t.height),
            "h264_nvenc",
        ),
        HardwareEncoder::Vaapi => (
            format!("format=nv12,hwupload,scale_vaapi=w=-2:h={}", t.height),
            "h264_vaapi",
        ),
        HardwareEncoder::Qsv => (
            format!(
                "format=nv12,hwupload=extra_hw_frames=64,scale_qsv=w=-2:h={}",
                t.height
            ),
            "h264_qsv",
        ),
    };
    push(args, &["-vf", &filter, "-c:v", codec]);
    match settings.hardware {
        HardwareEncoder::None => push(
            args,
            &[
                "-preset",
                &settings.preset,
                "-profile:v",
                "high",
                "-sc_threshold",
                "0",
            ],
        ),
        HardwareEncoder::Nvenc => push(args, &["-preset", "p2"]),
        HardwareEncoder::Qsv => push(args, &["-preset", "veryfast"]),
        HardwareEncoder::Vaapi => {}
    }
    push(
        args,
        &[
            "-b:v",
            &format!("{}k", t.kbps),
            "-maxrate",
            &format!("{}k", t.kbps * 11 / 10),
            "-bufsize",
            &format!("{}k", t.kbps * 2),
            "-force_key_frames",
            &format!("expr:gte(t,n_forced*{})", t.keyframe_every),
        ],
    );
}

fn aac(args: &mut Vec<OsString>) {
    push(
        args,
        &["-c:a", "aac", "-ac", "2", "-b:a", &format!("{AUDIO_KBPS}k")],
    );
}

/// Where HLS timestamps start: the source's own timeline shifted this far, the same in
/// every run, so that no run (above all the one from 0, whose B-frames would otherwise
/// make the muxer shift it) moves its timestamps. WebVTT for HLS says so in its
/// `X-TIMESTAMP-MAP`.
pub const HLS_TS_OFFSET_SECONDS: u32 = 10;

/// The most segments one ffmpeg run makes: its boundaries are one argument, which Linux
/// caps at 128 KiB, and 4000 of them (over three hours of 3 s segments) fit with room.
/// A viewer who plays on past a run's last segment starts the next run there.
pub const RUN_SEGMENTS: u32 = 4000;

/// The file ffmpeg writes segment `index` of the run named `run` into while it makes
/// it; renamed `{index}.ts` once complete (see [`super::jobs`]).
pub fn part_name(index: u32, run: &str) -> String {
    format!("{index}.{run}.part")
}

/// Where one ffmpeg run of HLS segments starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentRun {
    /// The first segment made.
    pub first: u32,
    /// The segment after the last one made: the video's end, or [`RUN_SEGMENTS`] on.
    pub end: u32,
    /// Whether `end` is the video's end (else the run reads the source only to there).
    pub to_the_end: bool,
}

impl SegmentRun {
    /// The run from segment `first` of a video of `count` segments.
    pub fn from(first: u32, count: u32) -> Self {
        let end = count
            .min(first.saturating_add(RUN_SEGMENTS))
            .max(first.saturating_add(1));
        Self {
            first,
            end,
            to_the_end: end >= count,
        }
    }
}

/// ffmpeg writing the HLS segments of `variant` for `run`, segment n as
/// `{dir}/{n}.{name}.part` ([`part_name`]): written as it is encoded (each packet
/// flushed), so a viewer can be sent a segment while it is made, and complete once the
/// next one is begun or ffmpeg has exited.
///
/// Segments are interchangeable between runs (a seek restart, another instance): the
/// timestamps are the source's own (`-copyts`, shifted by [`HLS_TS_OFFSET_SECONDS`]),
/// each run starts at a boundary and forces a keyframe every segment length from
/// there, and the segment muxer cuts at the first keyframe at or after each boundary
/// on that timeline (listed: `-segment_times`), so segment n covers the same frames
/// whichever run made it.
pub fn hls_segments(
    settings: &TranscodeSettings,
    source: &Path,
    variant: Variant,
    run: SegmentRun,
    dir: &Path,
    name: &str,
    audio: Option<i32>,
) -> Vec<OsString> {
    let segment = settings.segment_length();
    let start = f64::from(run.first) * f64::from(segment);
    let mut args = Vec::new();
    // A run that stops before the video's end reads the source to its last boundary.
    let until = (!run.to_the_end).then(|| f64::from(run.end - run.first) * f64::from(segment));
    input(&mut args, settings, source, start, until);
    match variant.height {
        Some(height) => {
            push(&mut args, &["-map", "0:v:0", "-map", &audio_map(audio)]);
            video(
                &mut args,
                settings,
                VideoTarget {
                    height,
                    kbps: variant.video_kbps,
                    keyframe_every: segment,
                },
            );
        }
        None => push(
            &mut args,
            &["-map", audio_map(audio).trim_end_matches('?'), "-vn"],
        ),
    }
    aac(&mut args);
    // Audio alone is cut at its first packet at or after a boundary. A run started
    // there begins one AAC frame early (the encoder's priming, 1024 samples: at 48 kHz,
    // 21.3 ms), so every run cuts that much before each boundary, and any run's segment
    // n - 1 ends where another's segment n begins. (With video, the cut is the keyframe
    // at the boundary, and audio follows it in decoding order.)
    let delta = if variant.height.is_none() {
        push(&mut args, &["-ar", "48000"]);
        "0.0214"
    } else {
        "0"
    };
    // Each boundary after the first, on the output timeline, up to the run's end (a
    // time the run never reaches once it is the video's end: the list is never empty).
    let offset = f64::from(HLS_TS_OFFSET_SECONDS);
    let times: Vec<String> = (run.first + 1..=run.end)
        .map(|n| format!("{:.3}", offset + f64::from(n) * f64::from(segment)))
        .collect();
    push(
        &mut args,
        &[
            "-sn",
            "-dn",
            "-copyts",
            "-output_ts_offset",
            &HLS_TS_OFFSET_SECONDS.to_string(),
            "-muxdelay",
            "0",
            "-f",
            "segment",
            "-segment_format",
            "mpegts",
            "-segment_format_options",
            "flush_packets=1",
            "-segment_times",
            &times.join(","),
            "-segment_time_delta",
            delta,
            "-segment_start_number",
            &run.first.to_string(),
        ],
    );
    args.push(dir.join(format!("%d.{name}.part")).into());
    args
}

/// How a progressive stream treats the video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progressive {
    /// Copy the video stream; audio becomes AAC unless it already is AAC or MP3.
    Remux { copy_audio: bool, hevc: bool },
    /// Encode the video to H.264 at this target.
    Transcode(VideoTarget),
}

/// What a progressive stream is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// Fragmented MP4, for browsers.
    FragmentedMp4,
    /// MPEG transport stream, for DLNA TVs (H.264 and AAC in TS is what every one
    /// plays).
    MpegTs,
}

/// ffmpeg writing a progressive stream to its standard output from `start` seconds.
pub fn progressive(
    settings: &TranscodeSettings,
    source: &Path,
    mode: Progressive,
    start: f64,
    audio: Option<i32>,
    container: Container,
) -> Vec<OsString> {
    let mut args = Vec::new();
    input(&mut args, settings, source, start, None);
    push(&mut args, &["-map", "0:v:0", "-map", &audio_map(audio)]);
    match mode {
        Progressive::Remux { copy_audio, hevc } => {
            push(&mut args, &["-c:v", "copy"]);
            if hevc && container == Container::FragmentedMp4 {
                push(&mut args, &["-tag:v", "hvc1"]);
            }
            if copy_audio {
                push(&mut args, &["-c:a", "copy"]);
            } else {
                aac(&mut args);
            }
        }
        Progressive::Transcode(t) => {
            video(&mut args, settings, t);
            aac(&mut args);
        }
    }
    push(&mut args, &["-sn", "-dn"]);
    match container {
        Container::FragmentedMp4 => push(
            &mut args,
            &[
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
                "-f",
                "mp4",
                "pipe:1",
            ],
        ),
        // Tables repeated, so a TV that joins mid-stream (a time seek) finds them.
        Container::MpegTs => push(
            &mut args,
            &["-mpegts_flags", "+resend_headers", "-f", "mpegts", "pipe:1"],
        ),
    }
    args
}

/// ffmpeg converting one subtitle stream (`stream` = `Some(index)` in a video) or a
/// whole subtitle file (`None`) to WebVTT at `out`.
pub fn webvtt(source: &Path, stream: Option<i32>, out: &Path) -> Vec<OsString> {
    let mut args = Vec::new();
    push(
        &mut args,
        &["-nostdin", "-hide_banner", "-loglevel", "error"],
    );
    // An embedded stream is read from the video; a sidecar file is a subtitle format.
    let formats = if stream.is_some() {
        MEDIA_FORMATS
    } else {
        SUBTITLE_FORMATS
    };
    push(&mut args, &input_guard(formats));
    args.push("-i".into());
    args.push(source.into());
    let map = stream.map_or_else(|| "0:s:0".to_owned(), |i| format!("0:{i}"));
    push(
        &mut args,
        &["-map", &map, "-c:s", "webvtt", "-f", "webvtt", "-y"],
    );
    args.push(out.into());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(args: &[OsString]) -> String {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn hls_runs_start_at_their_segment_with_keyframes_at_every_boundary() {
        let s = TranscodeSettings::default();
        let v = Variant {
            height: Some(720),
            video_kbps: 2800,
        };
        let args = text(&hls_segments(
            &s,
            Path::new("/m/a.mkv"),
            v,
            SegmentRun::from(20, 24),
            Path::new("/c/j"),
            "r1",
            Some(2),
        ));
        let guard = format!("-protocol_whitelist file -format_whitelist {MEDIA_FORMATS}");
        assert!(
            args.contains(&format!("-ss 60.000 {guard} -i /m/a.mkv")),
            "the input is read as media from its file only, to its end: {args}"
        );
        assert!(
            args.contains("-map 0:v:0 -map 0:2 "),
            "the chosen audio stream: {args}"
        );
        assert!(args.contains(
            "-vf scale=-2:720:flags=bicubic,format=yuv420p -c:v libx264 -preset veryfast"
        ));
        assert!(args.contains("-force_key_frames expr:gte(t,n_forced*3)"));
        assert!(args.contains("-copyts -output_ts_offset 10 "), "{args}");
        assert!(
            args.contains(
                "-f segment -segment_format mpegts -segment_format_options flush_packets=1 "
            ),
            "{args}"
        );
        assert!(
            args.contains("-segment_times 73.000,76.000,79.000,82.000 -segment_time_delta 0 -segment_start_number 20 /c/j/%d.r1.part"),
            "cut at each boundary after the first on the shifted timeline, the last past the end: {args}"
        );
        assert_eq!(part_name(21, "r1"), "21.r1.part");
        let first = text(&hls_segments(
            &s,
            Path::new("/m/a.mkv"),
            v,
            SegmentRun::from(0, 2),
            Path::new("/c/j"),
            "r2",
            None,
        ));
        assert!(!first.contains("-ss"), "no seek from the start");
        assert!(first.contains("-segment_times 13.000,16.000 "), "{first}");
        let audio = text(&hls_segments(
            &s,
            Path::new("/m/a.mkv"),
            Variant::AUDIO,
            SegmentRun::from(0, 1),
            Path::new("/c/j"),
            "r3",
            None,
        ));
        assert!(audio.contains("-map 0:a:0 -vn -c:a aac -ac 2 -b:a 128k -ar 48000"));
        assert!(
            audio.contains("-segment_times 13.000 -segment_time_delta 0.0214 "),
            "{audio}"
        );
    }

    #[test]
    fn a_long_video_is_made_by_runs_of_bounded_length() {
        let s = TranscodeSettings::default();
        let run = SegmentRun::from(10, 10 + RUN_SEGMENTS + 500);
        assert_eq!((run.end, run.to_the_end), (10 + RUN_SEGMENTS, false));
        let args = hls_segments(
            &s,
            Path::new("/m/a.mkv"),
            Variant::AUDIO,
            run,
            Path::new("/c/j"),
            "r",
            None,
        );
        let text = text(&args);
        assert!(
            text.contains(&format!("-ss 30.000 -t {}.000 ", RUN_SEGMENTS * 3)),
            "the source is read to the run's last boundary: {text}"
        );
        let times = args
            .iter()
            .position(|a| a == "-segment_times")
            .map(|i| args[i + 1].len())
            .unwrap();
        assert!(
            times < 100 * 1024,
            "one argument under Linux's 128 KiB: {times}"
        );
        assert!(SegmentRun::from(0, RUN_SEGMENTS).to_the_end);
        assert_eq!(SegmentRun::from(5, 3).end, 6, "never an empty run");
    }

    #[test]
    fn hardware_encoders_get_their_filters_and_devices() {
        let t = VideoTarget {
            height: 480,
            kbps: 1200,
            keyframe_every: 2,
        };
        let mut s = TranscodeSettings {
            hardware: HardwareEncoder::Vaapi,
            ..TranscodeSettings::default()
        };
        let vaapi = text(&progressive(
            &s,
            Path::new("in.mp4"),
            Progressive::Transcode(t),
            0.0,
            None,
            Container::FragmentedMp4,
        ));
        assert!(vaapi.contains("-vaapi_device /dev/dri/renderD128 -protocol_whitelist file"));
        assert!(vaapi.contains("scale_vaapi=w=-2:h=480 -c:v h264_vaapi -b:v 1200k"));
        s.hardware = HardwareEncoder::Nvenc;
        assert!(text(&progressive(
            &s,
            Path::new("in.mp4"),
            Progressive::Transcode(t),
            0.0,
            None,
            Container::FragmentedMp4,
        ))
        .contains("-c:v h264_nvenc -preset p2"));
        s.hardware = HardwareEncoder::Qsv;
        let qsv = text(&progressive(
            &s,
            Path::new("in.mp4"),
            Progressive::Transcode(t),
            5.0,
            None,
            Container::FragmentedMp4,
        ));
        assert!(qsv
            .contains("-init_hw_device qsv=hw:/dev/dri/renderD128 -filter_hw_device hw -ss 5.000"));
        assert!(qsv.contains("-c:v h264_qsv"));
    }

    #[test]
    fn a_remux_copies_the_video_and_fragments_the_mp4() {
        let s = TranscodeSettings::default();
        let mode = Progressive::Remux {
            copy_audio: false,
            hevc: true,
        };
        let args = text(&progressive(
            &s,
            Path::new("in.mkv"),
            mode,
            0.0,
            Some(1),
            Container::FragmentedMp4,
        ));
        assert!(
            args.contains("-map 0:v:0 -map 0:1 -c:v copy -tag:v hvc1 -c:a aac"),
            "{args}"
        );
        assert!(
            args.ends_with("-movflags frag_keyframe+empty_moov+default_base_moof -f mp4 pipe:1")
        );
        let ts = text(&progressive(
            &s,
            Path::new("in.mkv"),
            mode,
            12.0,
            Some(1),
            Container::MpegTs,
        ));
        assert!(
            !ts.contains("hvc1"),
            "an MP4 tag in a transport stream: {ts}"
        );
        assert!(ts.ends_with("-f mpegts pipe:1"), "{ts}");
    }
}
