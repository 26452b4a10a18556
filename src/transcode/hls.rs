//! HLS playlist text and the variant ladder. Pure: the playlists list every segment of
//! the whole video from the start (VOD), so a player can seek anywhere at once; the
//! segments themselves are made on demand by [`super::jobs`].
//!
//! Segments are MPEG-TS (`{n}.ts`): every HLS player takes them, each one decodes on
//! its own, and a restarted ffmpeg needs no matching init segment.

/// One rung of the ladder, or the audio-only fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// `None` is audio only.
    pub height: Option<u32>,
    /// Video kilobits per second (0 for audio only).
    pub video_kbps: u32,
}

/// AAC stereo bit rate of every variant.
pub const AUDIO_KBPS: u32 = 128;

/// Standard rungs and their video bit rates (H.264, x264 veryfast).
const RUNGS: [(u32, u32); 3] = [(1080, 5000), (720, 2800), (480, 1200)];

impl Variant {
    pub const AUDIO: Variant = Variant {
        height: None,
        video_kbps: 0,
    };

    /// The name in URLs: `720p`, or `audio`.
    pub fn name(&self) -> String {
        match self.height {
            Some(h) => format!("{h}p"),
            None => "audio".to_owned(),
        }
    }

    /// Peak bits per second, as `BANDWIDTH` wants it.
    pub fn bandwidth(&self) -> u64 {
        // Peaks run about a tenth above the average with the VBV settings used.
        u64::from(self.video_kbps * 11 / 10 + AUDIO_KBPS) * 1000
    }

    /// The RFC 6381 codecs string.
    fn codecs(&self) -> &'static str {
        match self.height {
            None => "mp4a.40.2",
            Some(h) if h > 720 => "avc1.640028,mp4a.40.2",
            Some(h) if h > 480 => "avc1.64001f,mp4a.40.2",
            Some(_) => "avc1.64001e,mp4a.40.2",
        }
    }
}

/// Video bit rate for a height outside the standard rungs, scaled by picture area.
fn kbps_for(height: u32) -> u32 {
    let h = u64::from(height);
    u32::try_from((2800 * h * h / (720 * 720)).clamp(300, 5000)).unwrap_or(5000)
}

/// The variants for a source `source_height` tall: the standard rungs at or below it
/// (and within `max_height` / `max_kbps` when a client has limits), a rung at the
/// source's own height when it is below every standard one, and audio only.
pub fn ladder(source_height: u32, max_height: Option<u32>, max_kbps: Option<u32>) -> Vec<Variant> {
    let top = max_height.map_or(source_height, |m| m.min(source_height));
    let mut rungs: Vec<Variant> = RUNGS
        .iter()
        .filter(|(h, _)| *h <= top)
        .map(|&(h, kbps)| Variant {
            height: Some(h),
            video_kbps: kbps,
        })
        .collect();
    if rungs.is_empty() && top >= 2 {
        let h = top & !1;
        rungs.push(Variant {
            height: Some(h),
            video_kbps: kbps_for(h),
        });
    }
    if let Some(cap) = max_kbps {
        let lowest = rungs.last().copied();
        rungs.retain(|v| v.bandwidth() <= u64::from(cap) * 1000);
        if rungs.is_empty() {
            rungs.extend(lowest);
        }
    }
    rungs.push(Variant::AUDIO);
    rungs
}

/// Finds a variant by its URL name among those a source offers.
pub fn variant(source_height: u32, name: &str) -> Option<Variant> {
    ladder(source_height, None, None)
        .into_iter()
        .find(|v| v.name() == name)
}

/// A container's duration runs past its last video frame by up to an audio frame; a
/// remainder this short makes no segment of its own (no keyframe falls in it).
const TAIL: f64 = 0.1;

/// Segments in a video of `duration` seconds.
pub fn segment_count(duration: f64, segment: u32) -> u32 {
    let n = ((duration - TAIL) / f64::from(segment)).ceil();
    if n.is_finite() && n >= 1.0 {
        n.min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// An audio rendition for the master playlist: one of the file's audio streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioRendition {
    /// The stream's index in the file (`audio-{index}` in URLs).
    pub index: i32,
    pub name: String,
    pub language: Option<String>,
    /// The stream muxed into the video variants (the viewer's choice): listed without
    /// a URI, as the default.
    pub muxed: bool,
}

/// The audio renditions of `video`: each audio stream, the one `language` picks (see
/// [`super::tracks::audio`]) marked as the one muxed into the variants.
pub fn audio_renditions(
    video: &crate::db::videos::VideoRow,
    language: Option<&str>,
) -> Vec<AudioRendition> {
    let muxed = super::tracks::audio(video, language).map(|a| a.index);
    video
        .metadata_list::<crate::library::probe::AudioStream>("audio")
        .into_iter()
        .map(|a| AudioRendition {
            index: a.index,
            name: a
                .title
                .clone()
                .or_else(|| a.language.clone())
                .unwrap_or_else(|| format!("Audio {}", a.index)),
            language: a.language,
            muxed: Some(a.index) == muxed,
        })
        .collect()
}

/// A subtitle rendition for the master playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleRendition {
    /// The track id in URLs.
    pub track: String,
    pub name: String,
    pub language: Option<String>,
    pub forced: bool,
}

fn quoted(s: &str) -> String {
    s.replace(['"', '\n', '\r'], "'")
}

/// The variants in the order a master playlist lists them: players start on the first
/// one, so the cheapest picture (the lowest rung, quick to make on a small machine)
/// comes first and adaptive bit rate climbs from there; then the rest, highest first.
pub fn start_order(variants: &[Variant]) -> Vec<Variant> {
    let start = variants.iter().rposition(|v| v.height.is_some());
    let mut ordered: Vec<Variant> = start.map(|i| variants[i]).into_iter().collect();
    ordered.extend(
        variants
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != start)
            .map(|(_, v)| *v),
    );
    ordered
}

/// The master playlist. `query` (`?token=...` or empty) is appended to every URI, so a
/// player without headers can follow it. The subtitle rendition in `subtitle_language`
/// is the default one, else a forced one listed first.
pub fn master(
    variants: &[Variant],
    source: (u32, u32),
    audio: &[AudioRendition],
    subtitles: &[SubtitleRendition],
    subtitle_language: Option<&str>,
    query: &str,
) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    // With more than one audio stream, each is a rendition a player can switch to: the
    // one in the variants by default, the others as audio-only playlists.
    let audio_group = audio.len() > 1;
    for a in audio.iter().filter(|_| audio_group) {
        let language = a
            .language
            .as_deref()
            .map(|l| format!("LANGUAGE=\"{}\",", quoted(l)))
            .unwrap_or_default();
        let (default, uri) = if a.muxed {
            ("YES", String::new())
        } else {
            (
                "NO",
                format!(",URI=\"audio-{}/index.m3u8{query}\"", a.index),
            )
        };
        out.push_str(&format!(
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"{}\",{language}DEFAULT={default},AUTOSELECT=YES{uri}\n",
            quoted(&a.name)
        ));
    }
    let preferred = subtitle_language.and_then(|wanted| {
        subtitles.iter().position(|s| {
            s.language
                .as_deref()
                .is_some_and(|l| super::tracks::same_language(l, wanted))
        })
    });
    let default = preferred.or_else(|| subtitles.first().filter(|s| s.forced).map(|_| 0));
    for (i, s) in subtitles.iter().enumerate() {
        out.push_str(&format!(
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"{}\",{}DEFAULT={},AUTOSELECT=YES,FORCED={},URI=\"subtitles/{}/index.m3u8{query}\"\n",
            quoted(&s.name),
            s.language
                .as_deref()
                .map(|l| format!("LANGUAGE=\"{}\",", quoted(l)))
                .unwrap_or_default(),
            if default == Some(i) { "YES" } else { "NO" },
            if s.forced { "YES" } else { "NO" },
            s.track,
        ));
    }
    let mut groups = String::new();
    if !subtitles.is_empty() {
        groups.push_str(",SUBTITLES=\"subs\"");
    }
    let (src_w, src_h) = source;
    for v in start_order(variants) {
        let resolution = v
            .height
            .map(|h| {
                let w = if src_h > 0 {
                    (u64::from(src_w) * u64::from(h) / u64::from(src_h) + 1) & !1
                } else {
                    u64::from(h) * 16 / 9
                };
                format!(",RESOLUTION={w}x{h}")
            })
            .unwrap_or_default();
        let audio_attr = if audio_group && v.height.is_some() {
            ",AUDIO=\"aud\""
        } else {
            ""
        };
        out.push_str(&format!(
            "#EXT-X-STREAM-INF:BANDWIDTH={}{resolution},CODECS=\"{}\"{audio_attr}{groups}\n{}/index.m3u8{query}\n",
            v.bandwidth(),
            v.codecs(),
            v.name(),
        ));
    }
    out
}

/// A variant's VOD media playlist: every segment, `segment` seconds each but the last.
pub fn media(duration: f64, segment: u32, query: &str) -> String {
    let n = segment_count(duration, segment);
    let mut out = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{segment}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    );
    for i in 0..n {
        let len = if i + 1 == n {
            (duration - f64::from(i * segment)).clamp(0.001, f64::from(segment))
        } else {
            f64::from(segment)
        };
        out.push_str(&format!("#EXTINF:{len:.3},\n{i}.ts{query}\n"));
    }
    out.push_str("#EXT-X-ENDLIST\n");
    out
}

/// The playlist of one subtitle track: the whole WebVTT file as one segment.
pub fn subtitle_media(duration: f64, query: &str) -> String {
    let target = duration.ceil().max(1.0);
    format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target:.0}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:{duration:.3},\nsubtitles.vtt{query}\n#EXT-X-ENDLIST\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[Variant]) -> Vec<String> {
        v.iter().map(Variant::name).collect()
    }

    #[test]
    fn the_ladder_stays_at_or_below_the_source_and_the_client() {
        assert_eq!(
            names(&ladder(2160, None, None)),
            ["1080p", "720p", "480p", "audio"]
        );
        assert_eq!(
            names(&ladder(1080, None, None)),
            ["1080p", "720p", "480p", "audio"]
        );
        assert_eq!(names(&ladder(800, None, None)), ["720p", "480p", "audio"]);
        assert_eq!(
            names(&ladder(1080, Some(720), None)),
            ["720p", "480p", "audio"]
        );
        assert_eq!(names(&ladder(360, None, None)), ["360p", "audio"]);
        assert_eq!(
            names(&ladder(1080, None, Some(3500))),
            ["720p", "480p", "audio"]
        );
        assert_eq!(
            names(&ladder(1080, None, Some(200))),
            ["480p", "audio"],
            "the lowest rung stays when the cap is below every rung"
        );
        assert_eq!(variant(1080, "720p").map(|v| v.video_kbps), Some(2800));
        assert_eq!(variant(720, "1080p"), None, "no rung above the source");
        assert_eq!(variant(1080, "../x"), None);
    }

    #[test]
    fn media_playlists_list_every_segment_with_an_end() {
        let text = media(10.5, 3, "?token=t");
        assert!(text.contains("#EXT-X-PLAYLIST-TYPE:VOD\n"));
        assert!(text.ends_with("#EXT-X-ENDLIST\n"));
        assert_eq!(text.matches("#EXTINF:3.000,").count(), 3);
        assert!(text.contains("#EXTINF:1.500,\n3.ts?token=t\n"));
        assert_eq!(segment_count(9.0, 3), 3);
        assert_eq!(segment_count(0.0, 3), 1);
        assert_eq!(
            segment_count(24.032, 3),
            8,
            "an audio tail makes no segment"
        );
    }

    #[test]
    fn the_master_playlist_names_variants_subtitles_and_keeps_the_token() {
        let subs = [SubtitleRendition {
            track: "s0".into(),
            name: "English".into(),
            language: Some("en".into()),
            forced: false,
        }];
        let text = master(
            &ladder(1080, None, None),
            (1920, 1080),
            &[],
            &subs,
            None,
            "?token=t",
        );
        assert!(text.starts_with("#EXTM3U\n"));
        assert!(text.contains("TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\""));
        assert!(text.contains("URI=\"subtitles/s0/index.m3u8?token=t\""));
        assert!(text.contains("RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",SUBTITLES=\"subs\"\n720p/index.m3u8?token=t\n"));
        assert!(
            text.contains("CODECS=\"mp4a.40.2\",SUBTITLES=\"subs\"\naudio/index.m3u8?token=t\n")
        );
        assert!(text.contains("DEFAULT=NO"), "no subtitles unless asked for");
    }

    #[test]
    fn players_start_on_the_cheapest_picture_and_the_preferred_subtitles() {
        let names = |v: Vec<Variant>| v.iter().map(Variant::name).collect::<Vec<_>>();
        assert_eq!(
            names(start_order(&ladder(1080, None, None))),
            ["480p", "1080p", "720p", "audio"]
        );
        assert_eq!(
            names(start_order(&ladder(360, None, None))),
            ["360p", "audio"]
        );
        assert_eq!(names(start_order(&[Variant::AUDIO])), ["audio"]);
        let sub = |track: &str, language: &str, forced| SubtitleRendition {
            track: track.into(),
            name: track.into(),
            language: Some(language.into()),
            forced,
        };
        let subs = [sub("s0", "eng", true), sub("s1", "fra", false)];
        let text = master(
            &ladder(1080, None, None),
            (1920, 1080),
            &[],
            &subs,
            Some("fr"),
            "",
        );
        let uris: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(uris[0], "480p/index.m3u8", "{text}");
        let default_of = |track: &str| {
            text.lines()
                .find(|l| l.contains(&format!("subtitles/{track}/")))
                .map(|l| l.contains("DEFAULT=YES"))
        };
        assert_eq!(default_of("s1"), Some(true), "{text}");
        assert_eq!(default_of("s0"), Some(false), "{text}");
        let text = master(
            &ladder(1080, None, None),
            (1920, 1080),
            &[],
            &subs,
            None,
            "",
        );
        assert!(
            text.contains("NAME=\"s0\",LANGUAGE=\"eng\",DEFAULT=YES"),
            "{text}"
        );
    }

    #[test]
    fn several_audio_streams_become_renditions_with_the_muxed_one_default() {
        let rendition = |index, language: &str, muxed| AudioRendition {
            index,
            name: language.into(),
            language: Some(language.into()),
            muxed,
        };
        let audio = [rendition(1, "eng", false), rendition(2, "fra", true)];
        let text = master(
            &ladder(720, None, None),
            (1280, 720),
            &audio,
            &[],
            None,
            "?t=1",
        );
        assert!(
            text.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"fra\",LANGUAGE=\"fra\",DEFAULT=YES,AUTOSELECT=YES\n"),
            "{text}"
        );
        assert!(
            text.contains("NAME=\"eng\",LANGUAGE=\"eng\",DEFAULT=NO,AUTOSELECT=YES,URI=\"audio-1/index.m3u8?t=1\"\n"),
            "{text}"
        );
        assert!(
            text.contains("CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"aud\"\n720p/"),
            "{text}"
        );
        assert!(text.contains("CODECS=\"mp4a.40.2\"\naudio/"), "{text}");
        // One stream: nothing to choose, no group.
        let one = master(
            &ladder(720, None, None),
            (1280, 720),
            &audio[..1],
            &[],
            None,
            "",
        );
        assert!(
            !one.contains("TYPE=AUDIO") && !one.contains("AUDIO=\"aud\""),
            "{one}"
        );
    }
}
