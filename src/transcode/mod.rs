//! On-demand transcoding: the playback decision ([`decision`]), HLS playlists
//! ([`hls`]), ffmpeg command lines ([`encode`]), the worker pool and breakers
//! ([`pool`]), HLS jobs with throttling and idle kill ([`jobs`]), segments sent as
//! ffmpeg writes them ([`follow`]), the cache's size cap
//! ([`cache`]), progressive fragmented MP4 and MPEG-TS ([`progressive`]) and WebVTT
//! subtitles (here).
//!
//! Everything ffmpeg writes goes under one cache directory, which is emptied at start-up
//! (after killing any ffmpeg a killed server left behind, found by the pid files).

pub mod cache;
pub mod decision;
pub mod encode;
pub mod error;
pub mod follow;
pub mod hls;
pub mod jobs;
pub mod pool;
pub mod progressive;
pub mod subtitles;
pub mod tracks;
pub mod ts;

use crate::config::{resolve, Settings, TranscodeSettings};
use crate::db::videos::VideoRow;
use crate::library::MediaFile;
use cache::OutputCache;
pub use error::TranscodeError;
use hls::Variant;
use jobs::HlsJob;
use pool::{Breakers, Pool, Slot};
use progressive::{ProgressiveStream, Runs};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// Figures for the metrics: jobs started and failed, time to the first segment and
/// encode speed (seconds of video per second of ffmpeg's running time).
#[derive(Debug, Default)]
pub struct TranscodeStats {
    started: AtomicU64,
    failed: AtomicU64,
    samples: Mutex<Samples>,
}

/// Observations since the last scrape.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    pub first_segment_seconds: Vec<f64>,
    pub speed: Vec<f64>,
}

impl TranscodeStats {
    fn samples(&self) -> MutexGuard<'_, Samples> {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }
    fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }
    fn first_segment(&self, d: Duration) {
        let mut s = self.samples();
        if s.first_segment_seconds.len() < 10_000 {
            s.first_segment_seconds.push(d.as_secs_f64());
        }
    }
    fn speed(&self, x: f64) {
        let mut s = self.samples();
        if s.speed.len() < 10_000 {
            s.speed.push(x);
        }
    }
    /// Jobs started and failed since start-up.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.started.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
    /// Takes the observations made since the last call.
    pub fn take(&self) -> Samples {
        std::mem::take(&mut *self.samples())
    }
}

/// The audio stream an `audio-{index}` rendition name plays, when the video has it.
fn audio_rendition(video: &VideoRow, name: &str) -> Option<i32> {
    let index: i32 = name.strip_prefix("audio-")?.parse().ok()?;
    video
        .metadata_list::<crate::library::probe::AudioStream>("audio")
        .iter()
        .any(|a| a.index == index)
        .then_some(index)
}

/// Who asks for a segment: the session playing (a transcode belongs to its playback)
/// and the audio language it prefers.
#[derive(Debug, Clone, Copy)]
pub struct Playback<'a> {
    pub session: Uuid,
    pub audio_language: Option<&'a str>,
}

/// The transcoding service.
#[derive(Debug)]
pub struct Transcoder {
    pub settings: TranscodeSettings,
    root: PathBuf,
    pub pool: Pool,
    pub breakers: Breakers,
    pub cache: OutputCache,
    pub stats: TranscodeStats,
    jobs: Mutex<HashMap<(Uuid, String), Arc<HlsJob>>>,
    /// The progressive streams running.
    progressive: Runs,
    /// One subtitle conversion at a time (they read whole files).
    subtitles: tokio::sync::Mutex<()>,
}

impl Transcoder {
    /// The service, with its cache directory cleaned: ffmpeg processes a killed server
    /// left behind are killed and every output is deleted.
    ///
    /// # Errors
    /// When the cache directory cannot be created.
    pub fn new(settings: &Settings) -> std::io::Result<Arc<Self>> {
        let t = &settings.transcode;
        let root = if t.cache_dir.as_os_str().is_empty() {
            settings.data_dir.join("transcode")
        } else {
            resolve(&settings.data_dir, &t.cache_dir)
        };
        clean(&root)?;
        Ok(Arc::new(Self {
            settings: t.clone(),
            pool: Pool::new(
                t.job_limit(),
                t.max_queued_jobs as usize,
                t.queue_timeout.get(),
            ),
            breakers: Breakers::new(t.failures_to_open.get(), t.failure_cooldown.get()),
            cache: OutputCache::new(t.cache_size.get()),
            stats: TranscodeStats::default(),
            jobs: Mutex::default(),
            progressive: Runs::default(),
            subtitles: tokio::sync::Mutex::new(()),
            root,
        }))
    }

    pub fn cache_dir(&self) -> &Path {
        &self.root
    }

    fn jobs(&self) -> MutexGuard<'_, HashMap<(Uuid, String), Arc<HlsJob>>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An HLS segment of a video's variant, made on demand: complete, or as ffmpeg
    /// writes it.
    ///
    /// # Errors
    /// [`TranscodeError::NotFound`] for a variant the video does not offer or a segment
    /// past its end; the others as [`HlsJob::segment`].
    pub async fn segment(
        self: &Arc<Self>,
        video: &VideoRow,
        source: MediaFile,
        variant_name: &str,
        index: u32,
        playback: Playback<'_>,
    ) -> Result<jobs::SegmentFile, TranscodeError> {
        let (variant, count) = self.variant(video, variant_name)?;
        let rendition = audio_rendition(video, variant_name);
        if index >= count {
            return Err(TranscodeError::NotFound(format!(
                "segment {index} is past the end ({count} segments)"
            )));
        }
        // An audio rendition plays its own stream. Otherwise a viewer whose language
        // picks another audio stream than the default gets (and shares with others of
        // that language) a job of its own.
        let audio =
            rendition.or_else(|| tracks::audio(video, playback.audio_language).map(|a| a.index));
        let name = if let Some(stream) = rendition {
            format!("audio-{stream}")
        } else if audio == tracks::audio(video, None).map(|a| a.index) {
            variant.name()
        } else {
            format!("{}-a{}", variant.name(), audio.unwrap_or(0))
        };
        let job = self
            .jobs()
            .entry((video.id, name.clone()))
            .or_insert_with(|| {
                let dir = self.root.join("hls").join(video.id.to_string()).join(name);
                Arc::new(HlsJob::new(video.id, variant, source, dir, count, audio))
            })
            .clone();
        job.segment(self, index, playback.session).await
    }

    /// The slot of a running ffmpeg that `session` alone was watching, other than the
    /// HLS job `except`: an HLS job, or a progressive stream (stopped, its response
    /// ended). The player moved to another variant, mode or video and needs it now.
    fn slot_left_by(&self, session: Uuid, except: Option<&HlsJob>) -> Option<Slot> {
        let recent = self.settings.idle_timeout.get();
        let jobs: Vec<Arc<HlsJob>> = self
            .jobs()
            .values()
            .filter(|j| except.is_none_or(|e| !std::ptr::eq(j.as_ref(), e)))
            .cloned()
            .collect();
        jobs.iter()
            .find_map(|j| j.yield_to(session, recent))
            .or_else(|| self.progressive.yield_to(session))
    }

    /// A slot for a new ffmpeg of `session`: a free one, else the one of an ffmpeg only
    /// `session` was watching (other than `except`), else a place in the queue.
    ///
    /// # Errors
    /// As [`Pool::slot`].
    async fn slot_for(
        &self,
        session: Uuid,
        except: Option<&HlsJob>,
    ) -> Result<Slot, TranscodeError> {
        match self.pool.try_slot() {
            Some(slot) => Ok(slot),
            None => match self.slot_left_by(session, except) {
                Some(slot) => Ok(slot),
                None => self.pool.slot().await,
            },
        }
    }

    /// The variant named `name` of `video` and the video's segment count.
    ///
    /// # Errors
    /// [`TranscodeError::NotFound`] when the video offers no such variant.
    /// `audio-{index}` names the audio rendition of the file's stream `index`.
    pub fn variant(&self, video: &VideoRow, name: &str) -> Result<(Variant, u32), TranscodeError> {
        let height = video
            .height_px()
            .unwrap_or(0)
            .min(self.settings.height_cap());
        let variant = match audio_rendition(video, name) {
            Some(_) => Some(Variant::AUDIO),
            None => hls::variant(height, name),
        }
        .ok_or_else(|| TranscodeError::NotFound(format!("this video has no variant {name}")))?;
        let duration = video.duration.unwrap_or(0.0);
        Ok((
            variant,
            hls::segment_count(duration, self.settings.segment_length()),
        ))
    }

    /// The variants offered for `video` within a client's limits and this machine's
    /// [`TranscodeSettings::height_cap`].
    pub fn ladder(
        &self,
        video: &VideoRow,
        max_height: Option<u32>,
        max_kbps: Option<u32>,
    ) -> Vec<Variant> {
        let cap = self.settings.height_cap();
        let max_height = Some(max_height.map_or(cap, |m| m.min(cap)));
        hls::ladder(video.height_px().unwrap_or(0), max_height, max_kbps)
    }

    /// The jobs with a running ffmpeg: (video, variant, pid).
    pub fn running_jobs(&self) -> Vec<(Uuid, String, i32)> {
        self.jobs()
            .values()
            .filter_map(|j| j.pid().map(|pid| (j.video_id, j.variant.name(), pid)))
            .collect()
    }

    /// Forgets idle jobs (their output stays in the cache until evicted).
    pub fn sweep(&self) {
        let idle = self.settings.idle_timeout.get();
        self.jobs().retain(|_, j| !j.is_idle(idle));
    }

    /// Deletes least recently used outputs while the cache is over its cap.
    pub fn evict(&self) {
        let busy: HashSet<PathBuf> = self
            .jobs()
            .values()
            .filter(|j| j.is_running())
            .map(|j| j.dir.clone())
            .collect();
        for path in self.cache.over_cap(&busy) {
            tracing::info!(path = %path.display(), "transcode cache over its cap: deleting");
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }

    /// Stops every ffmpeg (at shutdown).
    pub fn shutdown(&self) {
        let jobs: Vec<Arc<HlsJob>> = self.jobs().drain().map(|(_, j)| j).collect();
        for job in jobs {
            job.stop();
        }
    }

    /// How a progressive stream of `video` is made: `remux` copies the video (and the
    /// played audio stream when it is AAC or MP3), otherwise H.264 at the tallest rung
    /// of the ladder no taller than `max_height`.
    ///
    /// # Errors
    /// [`TranscodeError::NotFound`] when a transcode is asked of a file with no picture.
    pub fn progressive_plan(
        &self,
        video: &VideoRow,
        remux: bool,
        max_height: Option<u32>,
        audio_language: Option<&str>,
    ) -> Result<ProgressivePlan, TranscodeError> {
        let audio = tracks::audio(video, audio_language);
        let mode = if remux {
            encode::Progressive::Remux {
                copy_audio: audio
                    .as_ref()
                    .is_some_and(|a| matches!(a.codec.as_str(), "aac" | "mp3")),
                hevc: video.video_codec.as_deref() == Some("hevc"),
            }
        } else {
            let source_height = video.height_px().unwrap_or(0);
            let cap = self.settings.height_cap();
            let top = max_height
                .map_or(source_height, |m| m.min(source_height))
                .min(cap);
            let rung = hls::ladder(top, None, None)
                .into_iter()
                .next()
                .filter(|v| v.height.is_some())
                .ok_or_else(|| {
                    TranscodeError::Invalid("this video has no picture to transcode".to_owned())
                })?;
            encode::Progressive::Transcode(encode::VideoTarget {
                height: rung.height.unwrap_or(top),
                kbps: rung.video_kbps,
                keyframe_every: 2,
            })
        };
        Ok(ProgressivePlan {
            mode,
            audio: audio.map(|a| a.index),
        })
    }

    /// Starts ffmpeg writing fragmented MP4 or MPEG-TS to a pipe for `session`, in a
    /// slot as [`Self::slot_for`] finds one, and waits for its first bytes.
    ///
    /// # Errors
    /// As [`Breakers::check`] and [`Pool::slot`]; [`TranscodeError::Failed`] when
    /// ffmpeg cannot be started or ends without writing anything.
    pub async fn progressive(
        &self,
        video: Uuid,
        source: &MediaFile,
        plan: ProgressivePlan,
        start: f64,
        session: Uuid,
        container: encode::Container,
    ) -> Result<ProgressiveStream, TranscodeError> {
        self.breakers.check(video)?;
        let slot = self.slot_for(session, None).await?;
        let input = Path::new(MediaFile::INPUT);
        let args = encode::progressive(
            &self.settings,
            input,
            plan.mode,
            start,
            plan.audio,
            container,
        );
        let child = jobs::spawn(&self.settings.ffmpeg, &args, true, Some(source))?;
        self.stats.started();
        match ProgressiveStream::start(child, &self.progressive, session, slot).await {
            Ok(stream) => {
                self.breakers.succeeded(video);
                Ok(stream)
            }
            Err(e) => {
                if matches!(e, TranscodeError::Failed(_)) {
                    tracing::warn!(video_id = %video, error = %e, "progressive ffmpeg failed");
                    self.stats.failed();
                    self.breakers.failed(video);
                }
                Err(e)
            }
        }
    }

    /// A subtitle track as WebVTT, converted once and cached. `stream` is an embedded
    /// stream's index in the video `source`, or `None` for a subtitle file as `source`.
    ///
    /// # Errors
    /// [`TranscodeError::Failed`] when ffmpeg cannot convert it.
    pub async fn webvtt(
        &self,
        video: Uuid,
        track: &str,
        source: &MediaFile,
        stream: Option<i32>,
    ) -> Result<PathBuf, TranscodeError> {
        let dir = self.root.join("subtitles");
        let out = dir.join(format!("{video}-{track}.vtt"));
        let _one = self.subtitles.lock().await;
        if out.exists() {
            self.cache.touch(&out);
            return Ok(out);
        }
        tokio::fs::create_dir_all(&dir).await?;
        let tmp = dir.join(format!("{video}-{track}.tmp.vtt"));
        let args = encode::webvtt(Path::new(MediaFile::INPUT), stream, &tmp);
        let child = jobs::spawn(&self.settings.ffmpeg, &args, true, Some(source))?;
        let output = child.wait_with_output().await?;
        if !output.status.success() {
            let _ = tokio::fs::remove_file(&tmp).await;
            let why = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            return Err(TranscodeError::Failed(why));
        }
        tokio::fs::rename(&tmp, &out).await?;
        let len = tokio::fs::metadata(&out).await.map_or(0, |m| m.len());
        self.cache.grew(&out, len);
        self.evict();
        Ok(out)
    }
}

/// What [`Transcoder::progressive_plan`] chose: how the video is treated, and the
/// audio stream played (its index in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressivePlan {
    pub mode: encode::Progressive,
    pub audio: Option<i32>,
}

/// Kills ffmpeg processes a previous run left (named in `ffmpeg.pid` files, and only
/// when the process is an ffmpeg writing into this directory), then empties `root`.
fn clean(root: &Path) -> std::io::Result<()> {
    if root.exists() {
        for pidfile in pid_files(&root.join("hls")) {
            kill_leftover(&pidfile);
        }
        std::fs::remove_dir_all(root)?;
    }
    std::fs::create_dir_all(root)
}

fn pid_files(hls: &Path) -> Vec<PathBuf> {
    let dirs = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    dirs(hls)
        .iter()
        .flat_map(|video| dirs(video))
        .map(|variant| variant.join("ffmpeg.pid"))
        .filter(|p| p.exists())
        .collect()
}

fn kill_leftover(pidfile: &Path) {
    let Some(pid) = std::fs::read_to_string(pidfile)
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
    else {
        return;
    };
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let dir = pidfile
        .parent()
        .unwrap_or(pidfile)
        .to_string_lossy()
        .into_owned();
    let cmdline = String::from_utf8_lossy(&cmdline);
    if cmdline.contains("ffmpeg") && cmdline.contains(&dir) {
        if let Some(p) = rustix::process::Pid::from_raw(pid) {
            tracing::warn!(pid, "killing an ffmpeg left by an earlier run");
            let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
        }
    }
}
