//! DIDL-Lite: the containers and items a Browse or Search answers with, as TVs
//! accept them (Samsung, LG, Sony, VLC, Kodi): `upnp:class`, a `res` per way to play
//! (the file, a transcode to MPEG-TS for what not every TV plays, the subtitles as
//! SubRip) with its `protocolInfo`, size, duration, resolution and bitrate, and artwork as
//! `upnp:albumArtURI` with the `JPEG_TN` profile.

use super::xml::{escape, escape_text};
use crate::db::videos::{VideoKind, VideoRow};
use std::fmt::Write;

/// `DLNA.ORG_FLAGS` of a file: streaming transfer mode, background transfer, connection
/// stalling, DLNA 1.5.
const FILE_FLAGS: &str = "01700000000000000000000000000000";

/// Where a device's URLs start: `http://addr:port/dlna`, and the device's id and
/// credential (`{id}/{credential}`).
#[derive(Debug, Clone)]
pub struct Urls {
    pub base: String,
    pub device: String,
}

/// Stand-ins for [`Urls`]' parts in a listing rendered once for every device
/// ([`Urls::placeholders`]); [`Urls::fill`] puts a device's in. Private-use characters,
/// which the text of a listing never holds ([`super::xml::escape_text`] drops them).
const BASE_MARK: char = '\u{E000}';
const DEVICE_MARK: char = '\u{E001}';

impl Urls {
    pub fn new(base: String, device: uuid::Uuid, credential: &str) -> Self {
        Self {
            base,
            device: format!("{device}/{credential}"),
        }
    }

    /// URLs made of stand-ins, filled in for each device by [`Self::fill`].
    pub fn placeholders() -> Self {
        Self {
            base: BASE_MARK.to_string(),
            device: DEVICE_MARK.to_string(),
        }
    }

    /// `text` (rendered with [`Self::placeholders`]) with this device's URLs.
    pub fn fill(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        self.fill_into(&mut out, text);
        out
    }

    /// [`Self::fill`] appending to `out`.
    pub fn fill_into(&self, out: &mut String, text: &str) {
        let mut rest = text;
        while let Some(at) = rest.find([BASE_MARK, DEVICE_MARK]) {
            out.push_str(&rest[..at]);
            let mark = rest[at..].chars().next().unwrap_or(BASE_MARK);
            out.push_str(if mark == BASE_MARK {
                &self.base
            } else {
                &self.device
            });
            rest = &rest[at + mark.len_utf8()..];
        }
        out.push_str(rest);
    }

    /// The file of a video.
    pub fn media(&self, v: &VideoRow) -> String {
        format!(
            "{}/media/{}/{}.{}",
            self.base,
            self.device,
            v.id,
            extension(&v.format)
        )
    }

    /// A video as MPEG-TS (H.264 and AAC), for TVs that cannot play its file.
    pub fn transcode(&self, v: &VideoRow) -> String {
        format!("{}/tc/{}/{}.ts", self.base, self.device, v.id)
    }

    /// A video's first text subtitle track as SubRip.
    pub fn subtitles(&self, v: &VideoRow) -> String {
        format!("{}/sub/{}/{}.srt", self.base, self.device, v.id)
    }

    /// A video's picture (its poster, else the frame the scanner grabbed).
    pub fn art(&self, v: &VideoRow) -> String {
        format!("{}/art/{}/{}.jpg", self.base, self.device, v.id)
    }
}

fn extension(format: &str) -> &str {
    match format {
        "mp4" | "m4v" | "mkv" | "webm" | "avi" | "mov" | "ts" => format,
        _ => "bin",
    }
}

/// The DLNA profile of a file, where one applies (`DLNA.ORG_PN`): MP4 with H.264 and
/// AAC. Matroska, WebM and the rest have none, and TVs play them by MIME type.
fn profile(v: &VideoRow) -> Option<&'static str> {
    let h264 = v.video_codec.as_deref() == Some("h264");
    let audio_aac = crate::transcode::tracks::audio(v, None).is_none_or(|a| a.codec == "aac");
    match v.format.as_str() {
        "mp4" | "m4v" if h264 && audio_aac => Some(if v.height.unwrap_or(0) > 576 {
            "AVC_MP4_HP_HD_AAC"
        } else {
            "AVC_MP4_MP_SD_AAC_MULT5"
        }),
        _ => None,
    }
}

/// `protocolInfo` of a video's file.
pub fn file_protocol(v: &VideoRow) -> String {
    let mime = crate::streaming::content_type(&v.format);
    let pn = profile(v)
        .map(|p| format!("DLNA.ORG_PN={p};"))
        .unwrap_or_default();
    format!("http-get:*:{mime}:{pn}DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS={FILE_FLAGS}")
}

/// `DLNA.ORG_FLAGS` of a transcode: streaming transfer mode, background transfer,
/// DLNA 1.5 (no connection stalling: ffmpeg keeps writing).
const TRANSCODE_FLAGS: &str = "01500000000000000000000000000000";

/// Whether a file plays on every DLNA TV as it is (H.264 and AAC in MP4): then no
/// transcode is offered beside it.
pub fn plays_everywhere(v: &VideoRow) -> bool {
    profile(v).is_some()
}

/// The fourth field of a transcode's `protocolInfo`: H.264 and AAC in MPEG-TS, seekable
/// by time (`DLNA.ORG_OP=10`, `TimeSeekRange.dlna.org`), not by bytes.
pub fn transcode_features(v: &VideoRow) -> String {
    let pn = if v.height.unwrap_or(0) > 576 {
        "AVC_TS_MP_HD_AAC_MULT5_ISO"
    } else {
        "AVC_TS_MP_SD_AAC_MULT5_ISO"
    };
    format!("DLNA.ORG_PN={pn};DLNA.ORG_OP=10;DLNA.ORG_CI=1;DLNA.ORG_FLAGS={TRANSCODE_FLAGS}")
}

/// The MIME type DLNA gives MPEG-TS.
pub const TRANSCODE_MIME: &str = "video/mpeg";

/// `contentFeatures.dlna.org` of a file: the fourth field of its `protocolInfo`.
pub fn content_features(v: &VideoRow) -> String {
    file_protocol(v)
        .splitn(4, ':')
        .nth(3)
        .unwrap_or("*")
        .to_owned()
}

/// `H:MM:SS.mmm`, as `res@duration` is written.
pub fn duration(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The opening of a DIDL-Lite document.
pub const OPEN: &str = "<DIDL-Lite xmlns=\"urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/\" \
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
    xmlns:upnp=\"urn:schemas-upnp-org:metadata-1-0/upnp/\" \
    xmlns:dlna=\"urn:schemas-dlna-org:metadata-1-0/\" \
    xmlns:sec=\"http://www.sec.co.kr/\">";
pub const CLOSE: &str = "</DIDL-Lite>";

/// A container.
pub fn container(
    out: &mut String,
    id: &str,
    parent: &str,
    title: &str,
    class: &str,
    children: Option<usize>,
) {
    let count = children
        .map(|n| format!(" childCount=\"{n}\""))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<container id=\"{}\" parentID=\"{}\" restricted=\"1\" searchable=\"1\"{count}>\
         <dc:title>{}</dc:title><upnp:class>{class}</upnp:class></container>",
        escape_text(id),
        escape_text(parent),
        escape_text(title),
    );
}

/// How an item's title reads where it is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Inside its season: "03. The Title".
    InSeason,
    /// On a folder's listing: the file's name, as on disk.
    FileName,
    /// Anywhere else: "Series S01E03 The Title" for an episode, the title otherwise.
    Full,
}

/// The title an item is listed with.
pub fn title(v: &VideoRow, naming: Naming) -> String {
    let episode = |v: &VideoRow| match (v.season, v.episode) {
        (Some(s), Some(e)) => Some(format!("S{s:02}E{e:02}")),
        (None, Some(e)) => Some(format!("E{e:02}")),
        _ => None,
    };
    match (naming, v.kind) {
        (Naming::FileName, _) => v.filename.clone(),
        (Naming::InSeason, VideoKind::Episode) => match v.episode {
            Some(e) => format!("{e:02}. {}", v.title),
            None => v.title.clone(),
        },
        (_, VideoKind::Episode) => {
            let series = v.series_title.as_deref().unwrap_or_default();
            match episode(v) {
                Some(code) => format!("{series} {code} {}", v.title).trim().to_owned(),
                None => v.title.clone(),
            }
        }
        _ => match (&v.version, v.part) {
            (Some(version), _) => format!("{} ({version})", v.title),
            (None, Some(part)) => format!("{} (part {part})", v.title),
            _ => v.title.clone(),
        },
    }
}

/// An item: one video, with its file as the `res`.
pub fn item(out: &mut String, v: &VideoRow, parent: &str, naming: Naming, urls: &Urls) {
    let has_subtitles = !crate::transcode::subtitles::text_tracks(v).is_empty();
    let class = if v.kind == VideoKind::Film {
        "object.item.videoItem.movie"
    } else {
        "object.item.videoItem"
    };
    let _ = write!(
        out,
        "<item id=\"v/{}\" parentID=\"{}\" restricted=\"1\"><dc:title>{}</dc:title>\
         <upnp:class>{class}</upnp:class>",
        v.id,
        escape_text(parent),
        escape_text(&title(v, naming)),
    );
    let date = v
        .premiered
        .clone()
        .filter(|d| d.len() == 10)
        .or_else(|| v.year.map(|y| format!("{y:04}-01-01")))
        .unwrap_or_else(|| v.created_at.format("%Y-%m-%d").to_string());
    let _ = write!(out, "<dc:date>{}</dc:date>", escape_text(&date));
    if let Some(d) = v.description.as_deref().filter(|d| !d.is_empty()) {
        let short: String = d.chars().take(500).collect();
        let _ = write!(
            out,
            "<dc:description>{}</dc:description>",
            escape_text(&short)
        );
    }
    for genre in v.genres.iter().take(5) {
        let _ = write!(out, "<upnp:genre>{}</upnp:genre>", escape_text(genre));
    }
    if v.kind == VideoKind::Episode {
        if let Some(series) = &v.series_title {
            let _ = write!(
                out,
                "<upnp:seriesTitle>{}</upnp:seriesTitle>",
                escape_text(series)
            );
        }
        if let Some(s) = v.season {
            let _ = write!(out, "<upnp:episodeSeason>{s}</upnp:episodeSeason>");
        }
        if let Some(e) = v.episode {
            let _ = write!(out, "<upnp:episodeNumber>{e}</upnp:episodeNumber>");
        }
    }
    if v.poster.is_some() || v.thumbnail_path.is_some() {
        let _ = write!(
            out,
            "<upnp:albumArtURI dlna:profileID=\"JPEG_TN\">{}</upnp:albumArtURI>",
            escape(&urls.art(v))
        );
    }
    let mut res = format!(
        "<res protocolInfo=\"{}\" size=\"{}\"",
        escape(&file_protocol(v)),
        v.file_size.max(0)
    );
    if let Some(d) = v.duration.filter(|d| *d > 0.0) {
        let _ = write!(res, " duration=\"{}\"", duration(d));
    }
    if let (Some(w), Some(h)) = (v.width_px(), v.height_px()) {
        let _ = write!(res, " resolution=\"{w}x{h}\"");
    }
    if let Some(b) = v.bit_rate.filter(|b| *b > 0) {
        // UPnP's bitrate is in bytes a second.
        let _ = write!(res, " bitrate=\"{}\"", b / 8);
    }
    let _ = write!(res, ">{}</res>", escape(&urls.media(v)));
    out.push_str(&res);
    if !plays_everywhere(v) && v.width.is_some() {
        let _ = write!(
            out,
            "<res protocolInfo=\"http-get:*:{TRANSCODE_MIME}:{}\"",
            transcode_features(v)
        );
        if let Some(d) = v.duration.filter(|d| *d > 0.0) {
            let _ = write!(out, " duration=\"{}\"", duration(d));
        }
        let _ = write!(out, ">{}</res>", escape(&urls.transcode(v)));
    }
    if has_subtitles {
        let url = escape(&urls.subtitles(v));
        let _ = write!(
            out,
            "<res protocolInfo=\"http-get:*:text/srt:*\">{url}</res>\
             <sec:CaptionInfoEx sec:type=\"srt\">{url}</sec:CaptionInfoEx>"
        );
    }
    out.push_str("</item>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_upnp_writes_them() {
        assert_eq!(duration(0.0), "0:00:00.000");
        assert_eq!(duration(62.5), "0:01:02.500");
        assert_eq!(duration(3_723.004), "1:02:03.004");
        assert_eq!(duration(-3.0), "0:00:00.000");
    }
}
