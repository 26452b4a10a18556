//! HLS jobs: one per video and variant, shared by every viewer of it, each driving at
//! most one ffmpeg at a time.
//!
//! A request for a segment is served from the cache when it is there. Otherwise it
//! is sent as the running ffmpeg writes it ([`super::follow`]) when that is near
//! (within [`SEEK_AHEAD`] segments of what it has written), or restarts ffmpeg at that
//! segment (a seek). A supervisor task per ffmpeg names each segment complete (its
//! part renamed `{n}.ts`) once ffmpeg has begun the next, pauses ffmpeg (`SIGSTOP`) once it is
//! `max_segments_ahead` past the furthest segment asked for and resumes it when viewers
//! catch up, and kills it after `idle_timeout` without requests.
//!
//! A job also knows its viewers (the sessions that asked for it lately). A playback
//! that moves to another variant or video while every slot is busy takes over the slot
//! of the job it is leaving, when no other viewer still watches that job: the player
//! never waits in the queue behind its own abandoned ffmpeg.

use super::encode::{self, SegmentRun};
use super::error::TranscodeError;
use super::follow::{Growing, Writer};
use super::hls::Variant;
use super::pool::Slot;
use super::Transcoder;
use crate::library::MediaFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

/// How long a job remembers a viewer that stopped asking; more than any slot decision
/// looks back.
const VIEWER_MEMORY: Duration = Duration::from_secs(600);

/// A request this many segments or fewer past what ffmpeg has written waits for it;
/// one further ahead is a seek and restarts ffmpeg there.
pub const SEEK_AHEAD: u32 = 3;
/// How often a supervisor looks at its ffmpeg's output and names complete parts (no
/// answer waits for it: a part is sent as it grows, and is whole to its reader once the
/// next one is begun).
const TICK: Duration = Duration::from_millis(50);
/// How often a request for a segment not yet begun looks for its part.
const POLL: Duration = Duration::from_millis(15);
/// The longest a request waits for its segment.
const SEGMENT_WAIT: Duration = Duration::from_secs(60);

/// One video's variant and the ffmpeg making it.
#[derive(Debug)]
pub struct HlsJob {
    pub video_id: Uuid,
    pub variant: Variant,
    /// The video's file, opened beneath its library; ffmpeg reads this descriptor.
    pub source: MediaFile,
    pub dir: PathBuf,
    /// Segments in the whole video.
    pub count: u32,
    /// The audio stream played (its index in the file); see [`super::tracks`].
    pub audio: Option<i32>,
    state: Mutex<JobState>,
    changed: watch::Sender<u64>,
}

#[derive(Debug)]
struct JobState {
    /// The furthest segment a viewer asked for since the last seek.
    furthest: u32,
    last_request: Instant,
    run: Option<Run>,
    /// A request is starting ffmpeg; others wait for it.
    starting: bool,
    /// Bumped for every run; a supervisor whose run was replaced stops.
    generation: u64,
    /// Why the last run failed, for the requests that waited on it.
    failure: Option<(u64, String)>,
    /// Bumped for every attempt to start ffmpeg.
    attempt: u64,
    /// Why the last attempt to start failed (no slot, breaker open), for the requests
    /// that waited on that attempt: they get the same answer rather than queueing again.
    start_failure: Option<(u64, TranscodeError)>,
    /// The sessions that asked for this job, and when each last did.
    viewers: HashMap<Uuid, Instant>,
    /// Requests waiting in [`HlsJob::segment`] now: a job someone still waits on is
    /// never given up to another job.
    in_flight: u32,
}

/// Counts one request waiting on a job for as long as it waits, and, for the request
/// that is starting ffmpeg, clears `starting` if it goes away mid-start (the client
/// left while it queued for a slot), so the next request starts it instead.
struct Waiting<'a> {
    job: &'a HlsJob,
    starting: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut st = self.job.state();
        st.in_flight = st.in_flight.saturating_sub(1);
        if self.starting {
            st.starting = false;
        }
        drop(st);
        if self.starting {
            self.job.notify();
        }
    }
}

#[derive(Debug)]
struct Run {
    generation: u64,
    /// The run's name in its part files ([`encode::part_name`]), unique to it: a part
    /// is never a leftover of another run, here or in another instance.
    name: String,
    first: u32,
    /// The segment after the last this run makes.
    end: u32,
    /// The first segment not yet written.
    next: u32,
    pid: i32,
    paused: bool,
    _slot: Slot,
    stop: Option<oneshot::Sender<()>>,
}

/// A segment as a request gets it.
pub enum SegmentFile {
    /// Complete, in the cache.
    Complete(PathBuf),
    /// Being written by the running ffmpeg.
    Growing(Growing),
}

enum Step {
    Ready(PathBuf),
    /// Send the part of the run of this generation as it is written.
    Follow {
        generation: u64,
        part: PathBuf,
        next_part: PathBuf,
    },
    /// Wait for the run of this generation.
    Wait(u64),
    /// Wait for the start attempt with this number.
    WaitStart(u64),
    Start {
        attempt: u64,
        replaced: Option<Run>,
    },
}

impl HlsJob {
    pub fn new(
        video_id: Uuid,
        variant: Variant,
        source: MediaFile,
        dir: PathBuf,
        count: u32,
        audio: Option<i32>,
    ) -> Self {
        Self {
            video_id,
            variant,
            source,
            dir,
            count,
            audio,
            state: Mutex::new(JobState {
                furthest: 0,
                last_request: Instant::now(),
                run: None,
                starting: false,
                generation: 0,
                failure: None,
                attempt: 0,
                start_failure: None,
                viewers: HashMap::new(),
                in_flight: 0,
            }),
            changed: watch::Sender::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn segment_path(&self, index: u32) -> PathBuf {
        self.dir.join(format!("{index}.ts"))
    }

    fn part_path(&self, index: u32, run: &str) -> PathBuf {
        self.dir.join(encode::part_name(index, run))
    }

    /// Whether an ffmpeg is running (or paused) for this job.
    pub fn is_running(&self) -> bool {
        self.state().run.is_some()
    }

    /// Whether the job has had no request for `idle` and runs nothing.
    pub fn is_idle(&self, idle: Duration) -> bool {
        let st = self.state();
        st.run.is_none() && !st.starting && st.last_request.elapsed() > idle
    }

    /// The pid of the running ffmpeg.
    pub fn pid(&self) -> Option<i32> {
        self.state().run.as_ref().map(|r| r.pid)
    }

    /// Stops the running ffmpeg, if any.
    pub fn stop(&self) {
        let run = self.state().run.take();
        if let Some(run) = run {
            drop(stop_run(run));
        }
        self.notify();
    }

    /// Gives up the running ffmpeg's slot to `session`'s request for another job, when
    /// `session` is the only viewer seen within `recent`: the ffmpeg is stopped and its
    /// slot returned.
    pub fn yield_to(&self, session: Uuid, recent: Duration) -> Option<Slot> {
        let run = {
            let mut st = self.state();
            let others = st
                .viewers
                .iter()
                .any(|(id, seen)| *id != session && seen.elapsed() <= recent);
            if st.starting || st.in_flight > 0 || others || !st.viewers.contains_key(&session) {
                return None;
            }
            st.viewers.remove(&session);
            st.run.take()
        }?;
        self.notify();
        tracing::info!(video_id = %self.video_id, variant = %self.variant.name(), %session,
            "ffmpeg stopped: its only viewer moved on and needs the slot");
        Some(stop_run(run))
    }

    fn step(&self, index: u32, path: &Path, session: Uuid) -> Step {
        let mut st = self.state();
        let now = Instant::now();
        st.last_request = now;
        if st.viewers.insert(session, now).is_none() {
            // A new viewer: forget those gone long ago, so a job watched for days by
            // ever new sessions keeps a bounded map.
            st.viewers
                .retain(|_, seen| now.duration_since(*seen) <= VIEWER_MEMORY);
        }
        if path.exists() {
            st.furthest = st.furthest.max(index);
            return Step::Ready(path.to_path_buf());
        }
        if let Some(run) = &mut st.run {
            if run.first <= index && index < run.next.saturating_add(SEEK_AHEAD).min(run.end) {
                if run.paused {
                    signal(run.pid, rustix::process::Signal::CONT);
                    run.paused = false;
                }
                let part = self.part_path(index, &run.name);
                let next_part = self.part_path(index + 1, &run.name);
                st.furthest = st.furthest.max(index);
                if part.exists() {
                    return Step::Follow {
                        generation: st.generation,
                        part,
                        next_part,
                    };
                }
                return Step::Wait(st.generation);
            }
        }
        if st.starting {
            return Step::WaitStart(st.attempt);
        }
        st.starting = true;
        st.attempt += 1;
        st.furthest = index;
        Step::Start {
            attempt: st.attempt,
            replaced: st.run.take(),
        }
    }

    /// The failure of start attempt `attempt`, if it failed.
    fn start_failed(&self, attempt: Option<u64>) -> Result<(), TranscodeError> {
        match (&self.state().start_failure, attempt) {
            (Some((a, e)), Some(waited)) if *a == waited => Err(e.shared()),
            _ => Ok(()),
        }
    }

    /// Segment `index`: complete from the cache, else as the running ffmpeg writes it,
    /// that ffmpeg started first if need be.
    ///
    /// # Errors
    /// [`TranscodeError`] when the pool is busy, the breaker is open, ffmpeg fails, or
    /// the segment is not begun within a minute.
    pub async fn segment(
        self: &Arc<Self>,
        t: &Arc<Transcoder>,
        index: u32,
        session: Uuid,
    ) -> Result<SegmentFile, TranscodeError> {
        let path = self.segment_path(index);
        let deadline = tokio::time::Instant::now() + SEGMENT_WAIT;
        let mut waited_on = 0;
        let mut waited_start = None;
        self.state().in_flight += 1;
        let mut waiting = Waiting {
            job: self,
            starting: false,
        };
        loop {
            let mut seen = self.changed.subscribe();
            self.failed_since(waited_on)?;
            self.start_failed(waited_start)?;
            let mut poll = false;
            match self.step(index, &path, session) {
                Step::Ready(p) => {
                    t.cache.touch(&self.dir);
                    return Ok(SegmentFile::Complete(p));
                }
                Step::Follow {
                    generation,
                    part,
                    next_part,
                } => {
                    t.cache.touch(&self.dir);
                    let done = path.clone();
                    match Growing::open(self.clone(), generation, part, done, next_part).await? {
                        Some(growing) => return Ok(SegmentFile::Growing(growing)),
                        // Renamed meanwhile: complete.
                        None => continue,
                    }
                }
                Step::Wait(g) => {
                    waited_on = g;
                    // Its part appears with no word from the supervisor: looked for.
                    poll = true;
                }
                Step::WaitStart(a) => waited_start = Some(a),
                Step::Start { attempt, replaced } => {
                    waiting.starting = true;
                    let started = self.start(t, index, replaced, session).await;
                    waiting.starting = false;
                    {
                        let mut st = self.state();
                        st.starting = false;
                        if let Err(e) = &started {
                            st.start_failure = Some((attempt, e.shared()));
                        }
                    }
                    self.notify();
                    waited_on = started?;
                }
            }
            self.failed_since(waited_on)?;
            let until = if poll {
                deadline.min(tokio::time::Instant::now() + POLL)
            } else {
                deadline
            };
            if tokio::time::timeout_at(until, seen.changed())
                .await
                .is_err()
                && tokio::time::Instant::now() >= deadline
            {
                return Err(TranscodeError::TimedOut);
            }
        }
    }

    /// The failure of run `generation` or a later one, if any.
    fn failed_since(&self, generation: u64) -> Result<(), TranscodeError> {
        match &self.state().failure {
            Some((g, why)) if generation > 0 && *g >= generation => {
                Err(TranscodeError::Failed(why.clone()))
            }
            _ => Ok(()),
        }
    }

    /// Starts ffmpeg at segment `first`, taking over the slot of the run it replaces.
    /// With no run to replace, a free slot is taken, else the slot of a job only
    /// `session` was watching, else a place in the queue.
    async fn start(
        self: &Arc<Self>,
        t: &Arc<Transcoder>,
        first: u32,
        replaced: Option<Run>,
        session: Uuid,
    ) -> Result<u64, TranscodeError> {
        let slot = match replaced {
            Some(old) => stop_run(old),
            None => {
                t.breakers.check(self.video_id)?;
                t.slot_for(session, Some(self)).await?
            }
        };
        tokio::fs::create_dir_all(&self.dir).await?;
        let span = SegmentRun::from(first, self.count);
        let name = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let parts = format!(".{name}.part");
        let args = encode::hls_segments(
            &t.settings,
            Path::new(MediaFile::INPUT),
            self.variant,
            span,
            &self.dir,
            &name,
            self.audio,
        );
        let mut child = spawn(&t.settings.ffmpeg, &args, true, Some(&self.source))?;
        let pid = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
        let _ = std::fs::write(self.dir.join("ffmpeg.pid"), pid.to_string());
        let stderr = child.stderr.take();
        let (stop, stopped) = oneshot::channel();
        let generation = {
            let mut st = self.state();
            st.generation += 1;
            st.failure = None;
            st.run = Some(Run {
                generation: st.generation,
                name,
                first,
                end: span.end,
                next: first,
                pid,
                paused: false,
                _slot: slot,
                stop: Some(stop),
            });
            st.generation
        };
        t.stats.started();
        tracing::info!(video_id = %self.video_id, variant = %self.variant.name(), first, pid, "ffmpeg started");
        tokio::spawn(supervise(
            self.clone(),
            t.clone(),
            child,
            stderr,
            stopped,
            (generation, parts),
        ));
        Ok(generation)
    }
}

impl Writer for HlsJob {
    fn runs(&self, generation: u64) -> bool {
        self.state()
            .run
            .as_ref()
            .is_some_and(|r| r.generation == generation)
    }

    /// An answer read as ffmpeg writes it counts as a request: the idle time runs
    /// from its last read, however long its segment takes.
    fn active(&self) {
        self.state().last_request = Instant::now();
    }
}

/// Tells a run's supervisor to stop its ffmpeg (resumed first if paused, so it can die)
/// and hands back the run's slot.
fn stop_run(mut run: Run) -> Slot {
    if let Some(stop) = run.stop.take() {
        let _ = stop.send(());
    }
    signal(run.pid, rustix::process::Signal::CONT);
    run._slot
}

/// Starts ffmpeg so that it dies with the server, even when the server is killed.
/// `errors` says whether its standard error is read (else it goes nowhere: an unread
/// pipe would fill, or kill ffmpeg with `SIGPIPE` once closed). `input` is handed to
/// it as [`MediaFile::INPUT`].
///
/// # Errors
/// When ffmpeg cannot be started.
pub fn spawn(
    ffmpeg: &Path,
    args: &[std::ffi::OsString],
    errors: bool,
    input: Option<&MediaFile>,
) -> std::io::Result<Child> {
    let mut cmd = Command::new(ffmpeg);
    if let Some(input) = input {
        input.hand_to(&mut cmd);
    }
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if errors {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    // SAFETY: only an async-signal-safe prctl(2) runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
                .map_err(std::io::Error::from)
        });
    }
    cmd.spawn()
}

pub(super) fn signal(pid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Reads the last 2 KiB ffmpeg wrote to its standard error.
pub(super) async fn tail(stderr: Option<tokio::process::ChildStderr>) -> String {
    let Some(mut stderr) = stderr else {
        return String::new();
    };
    let mut buf = Vec::new();
    let _ = stderr.read_to_end(&mut buf).await;
    let start = buf.len().saturating_sub(2048);
    String::from_utf8_lossy(&buf[start..]).trim().to_owned()
}

/// Names complete the segments ffmpeg finished since `run.next` (a part is complete
/// once the next one is begun, or, with `exited` (ffmpeg ended well), all of them),
/// renaming each `{n}.ts`, and counts them into the run and the cache size. A segment
/// another run or instance made first is kept as it is (counted by whoever made it),
/// and this run's copy of it removed once complete.
fn collect_written(job: &HlsJob, t: &Transcoder, run: &mut Run, exited: bool) -> u32 {
    let mut written = 0;
    while run.next < run.end {
        let closed = exited || job.part_path(run.next + 1, &run.name).exists();
        if !closed {
            break;
        }
        if !name_part(job, t, run.next, &job.part_path(run.next, &run.name)) {
            break;
        }
        run.next += 1;
        written += 1;
    }
    written
}

/// After a run: its segments complete but not yet named so (it was stopped before the
/// next tick) become `{n}.ts`; the rest of its parts (what it left unfinished when a
/// seek or a takeover stopped it) are removed.
fn leave_parts(job: &HlsJob, t: &Transcoder, suffix: &str) {
    let Ok(entries) = std::fs::read_dir(&job.dir) else {
        return;
    };
    let mut parts: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let index = name.strip_suffix(suffix)?.parse().ok()?;
            Some((index, e.path()))
        })
        .collect();
    parts.sort();
    for (i, (index, part)) in parts.iter().enumerate() {
        let next_begun = parts.get(i + 1).is_some_and(|(n, _)| *n == index + 1);
        if !(next_begun && name_part(job, t, *index, part)) {
            let _ = std::fs::remove_file(part);
        }
    }
}

/// A complete part of segment `index`: named `{index}.ts` and counted in the cache
/// size, or, when another run or instance made that segment first (and counted it),
/// removed. Whether the segment is there now.
fn name_part(job: &HlsJob, t: &Transcoder, index: u32, part: &Path) -> bool {
    let done = job.segment_path(index);
    if done.exists() {
        let _ = std::fs::remove_file(part);
        return true;
    }
    if std::fs::rename(part, &done).is_err() {
        return false;
    }
    if let Ok(meta) = std::fs::metadata(&done) {
        t.cache.grew(&job.dir, meta.len());
    }
    true
}

enum End {
    Exited(std::io::Result<std::process::ExitStatus>),
    Stopped,
    Idle,
}

impl End {
    fn reason(&self) -> &'static str {
        match self {
            Self::Exited(_) => "exited",
            Self::Stopped => "replaced",
            Self::Idle => "idle",
        }
    }
}

/// What one run produced, for the figures.
#[derive(Default)]
struct Progress {
    /// Segments written.
    produced: u32,
    /// Time ffmpeg ran (not paused).
    active: Duration,
}

/// Watches one ffmpeg run until it exits, is replaced or goes idle, then settles its
/// outcome (figures, breaker, failure for waiting viewers).
async fn supervise(
    job: Arc<HlsJob>,
    t: Arc<Transcoder>,
    mut child: Child,
    stderr: Option<tokio::process::ChildStderr>,
    stopped: oneshot::Receiver<()>,
    (generation, parts): (u64, String),
) {
    let errors = tokio::spawn(tail(stderr));
    let started = Instant::now();
    let mut progress = Progress::default();
    let end = watch(
        &job,
        &t,
        &mut child,
        stopped,
        generation,
        started,
        &mut progress,
    )
    .await;
    if !matches!(end, End::Exited(_)) {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let seconds = f64::from(progress.produced) * f64::from(t.settings.segment_length());
    if progress.produced > 0 && progress.active > Duration::ZERO {
        t.stats.speed(seconds / progress.active.as_secs_f64());
    }
    let _ = std::fs::remove_file(job.dir.join("ffmpeg.pid"));
    let why = errors.await.unwrap_or_default();
    settle(&job, &t, &end, generation, why);
    leave_parts(&job, &t, &parts);
    tracing::info!(video_id = %job.video_id, variant = %job.variant.name(),
        produced = progress.produced, reason = end.reason(),
        elapsed_ms = started.elapsed().as_millis() as u64, "ffmpeg ended");
    job.notify();
    t.evict();
}

/// Ticks until the run ends: each tick counts new segments and pauses or resumes ffmpeg.
async fn watch(
    job: &HlsJob,
    t: &Transcoder,
    child: &mut Child,
    mut stopped: oneshot::Receiver<()>,
    generation: u64,
    started: Instant,
    progress: &mut Progress,
) -> End {
    let idle = t.settings.idle_timeout.get();
    loop {
        let tick_start = Instant::now();
        tokio::select! {
            status = child.wait() => return End::Exited(status),
            _ = &mut stopped => return End::Stopped,
            () = tokio::time::sleep(TICK) => {}
        }
        let mut st = job.state();
        let furthest = st.furthest;
        let idle_for = st.last_request.elapsed();
        let Some(run) = st.run.as_mut().filter(|r| r.generation == generation) else {
            return End::Stopped;
        };
        if !run.paused {
            progress.active += tick_start.elapsed();
        }
        let written = collect_written(job, t, run, false);
        if progress.produced == 0 && written > 0 {
            t.stats.first_segment(started.elapsed());
        }
        progress.produced += written;
        pace(run, furthest, t.settings.max_segments_ahead.get());
        drop(st);
        if written > 0 {
            job.notify();
            t.evict();
        }
        if idle_for > idle {
            return End::Idle;
        }
    }
}

/// Stops ffmpeg (`SIGSTOP`) once it is more than `ahead` segments past the furthest one
/// asked for, and lets it go on (`SIGCONT`) when a viewer comes within that.
fn pace(run: &mut Run, furthest: u32, ahead: u32) {
    let limit = furthest.saturating_add(ahead);
    if !run.paused && run.next > limit {
        signal(run.pid, rustix::process::Signal::STOP);
        run.paused = true;
    } else if run.paused && run.next <= limit {
        signal(run.pid, rustix::process::Signal::CONT);
        run.paused = false;
    }
}

/// Records how a run ended: segments written at the last moment, whether it failed
/// (counted, the breaker told, the failure kept for viewers waiting on this run), or
/// succeeded (the breaker closes).
fn settle(job: &HlsJob, t: &Transcoder, end: &End, generation: u64, why: String) {
    let mut st = job.state();
    let current = st.run.as_ref().is_some_and(|r| r.generation == generation);
    let exited = matches!(end, End::Exited(Ok(status)) if status.success());
    if let Some(run) = st.run.as_mut().filter(|_| current) {
        // Segments written since the last tick (a short video can end before the first).
        collect_written(job, t, run, exited);
    }
    let complete = st.run.as_ref().is_some_and(|r| r.next >= r.end);
    if current {
        st.run = None;
    }
    let failed = match end {
        End::Exited(Ok(status)) if status.success() => false,
        End::Exited(_) => current && !complete,
        End::Stopped | End::Idle => false,
    };
    if failed {
        let why = if why.is_empty() {
            "ffmpeg exited with an error".to_owned()
        } else {
            why
        };
        tracing::warn!(video_id = %job.video_id, error = %why, "ffmpeg failed");
        t.stats.failed();
        t.breakers.failed(job.video_id);
        st.failure = Some((generation, why));
    } else if matches!(end, End::Exited(_)) {
        t.breakers.succeeded(job.video_id);
        if current && !complete {
            st.failure = Some((generation, "ffmpeg ended before the segment".to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_viewer_makes_the_job_forget_viewers_gone_long_ago() {
        let variant = Variant {
            height: Some(480),
            video_kbps: 1_000,
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.mkv"), b"").unwrap();
        let job = HlsJob::new(
            Uuid::nil(),
            variant,
            MediaFile::open_beneath(dir.path(), "in.mkv").unwrap(),
            "out".into(),
            10,
            None,
        );
        let gone = Uuid::from_u128(1);
        let recent = Uuid::from_u128(2);
        {
            let mut st = job.state();
            let long_ago = Instant::now() - VIEWER_MEMORY - Duration::from_secs(1);
            st.viewers.insert(gone, long_ago);
            st.viewers
                .insert(recent, Instant::now() - Duration::from_secs(30));
        }
        // A request of a segment already there: the job only notes its viewer.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.ts");
        std::fs::write(&path, b"ts").unwrap();
        let newcomer = Uuid::from_u128(3);
        assert!(matches!(job.step(0, &path, newcomer), Step::Ready(_)));
        let st = job.state();
        assert!(!st.viewers.contains_key(&gone), "forgotten");
        assert!(st.viewers.contains_key(&recent) && st.viewers.contains_key(&newcomer));
    }
}
