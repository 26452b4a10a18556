// The player's audio, subtitle and quality choices: the menus' options and what a choice
// does to the playing engine (switch in place, or start the video again with another
// rendition), and the subtitle cues the player draws itself, in every mode (above its
// control bar; the browser would draw a `<track>`'s cues under it).
import { tick } from 'svelte';
import type Hls from 'hls.js';
import type { MenuOption } from '../components/Menu.svelte';
import { channelsLabel, codecLabel, languageName, resolutionLabel } from './format';
import { cycle, hlsAudioIndex, initialSubtitle, lowerRungs, playingAudio, qualityLevels } from './tracks';
import type { EngineKind } from './engine';
import type { PlaybackInfo, Preferences, TextTrack as ApiTextTrack, Video } from './types';

/** What plays: an engine, or the progressive (remuxed) stream through `<video src>`. */
export type PlayingKind = EngineKind | 'remux';

export interface BeginOptions {
  maxHeight?: number | null;
  audioIndex?: number | null;
  forceHls?: boolean;
}

/** The playback engine, as the track choices see it (lib/playback.svelte.ts). */
export interface TrackHost {
  readonly kind: PlayingKind | null;
  readonly hls: Hls | null;
  readonly info: PlaybackInfo | null;
  readonly el: HTMLVideoElement | undefined;
  readonly forcedHeight: number | null;
  readonly position: number;
  /** Starts the video again at `at` (another rendition). */
  begin(at: number, opts: BeginOptions): Promise<void>;
}

/** What the player plays and for whom (getters: the component's props). */
export interface PlayerContext {
  video: () => Video;
  preferences: () => Preferences | null;
}

export type SubtitleOption = MenuOption & { forced?: boolean | undefined };

const OFF: SubtitleOption = { key: 'off', label: 'Off' };

export class Tracks {
  /** The file's sidecar subtitles, as `<track>` elements of a direct file. */
  directTracks = $state<ApiTextTrack[]>([]);
  audioOptions = $state<MenuOption[]>([]);
  audioKey = $state('');
  subtitleOptions = $state<SubtitleOption[]>([OFF]);
  subtitleKey = $state('off');
  qualityOptions = $state<MenuOption[]>([]);
  qualityKey = $state('');
  /** The height hls.js' automatic choice plays now. */
  autoHeight = $state<number | null>(null);
  /** The cues of the chosen subtitle track shown now. */
  shownCues = $state<string[]>([]);

  /** Cues hls.js parsed, by subtitle track: drawn by the player (see attachHls). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- plain data; `shownCues` is the state
  private readonly hlsCues = new Map<number, VTTCue[]>();
  /** The audio stream asked for, chosen once hls.js lists its tracks. */
  private pendingAudio: number | null = null;
  /** The subtitle language chosen here, kept across a reload (`null`: off; unset: the preference). */
  private wantedSubtitleLanguage: string | null | undefined = undefined;

  readonly qualityLabel = $derived(
    this.qualityKey === 'auto' && this.autoHeight ? `Quality: Auto (${this.autoHeight}p)` : 'Quality',
  );
  /** The language of the audio playing (`''` unknown). */
  readonly audioLanguage = $derived(this.audioOptions.find((o) => o.key === this.audioKey)?.language ?? '');

  constructor(
    private readonly host: TrackHost,
    private readonly context: PlayerContext,
  ) {}

  private get video(): Video {
    return this.context.video();
  }

  // ---------------------------------------------------------------- the engine's steps

  /** The last source is gone. */
  reset(): void {
    this.directTracks = [];
    this.autoHeight = null;
    this.hlsCues.clear();
    this.shownCues = [];
  }

  /** A decision is taken (`host.kind` set); `audioIndex` is the stream asked for. */
  prepare(audioIndex: number | null): void {
    this.pendingAudio = audioIndex;
    this.buildQualityOptions();
  }

  /** A file or stream is given to `<video src>` with these sidecar subtitles. */
  async loadDirect(subtitles: ApiTextTrack[]): Promise<void> {
    this.directTracks = subtitles;
    this.buildAudioOptions();
    await tick();
    this.buildDirectSubtitles();
  }

  /** The element's metadata: the tracks native HLS found. */
  metadataLoaded(): void {
    if (this.host.kind === 'native-hls') this.buildNativeSubtitles();
  }

  /** Follows an hls.js player's tracks, levels and cues. */
  attachHls(player: Hls, E: typeof Hls.Events): void {
    player.on(E.MANIFEST_PARSED, () => this.buildQualityOptions());
    player.on(E.LEVEL_SWITCHED, (_e, data) => {
      this.autoHeight = player.levels[data.level]?.height ?? null;
    });
    player.on(E.AUDIO_TRACKS_UPDATED, () => {
      if (this.pendingAudio !== null) {
        const i = hlsAudioIndex(this.video.audio, player.audioTracks, this.pendingAudio);
        this.pendingAudio = null;
        if (i >= 0 && i !== player.audioTrack) player.audioTrack = i;
      }
      this.buildAudioOptions();
    });
    player.on(E.AUDIO_TRACK_SWITCHED, () => this.buildAudioOptions());
    player.on(E.SUBTITLE_TRACKS_UPDATED, () => {
      this.subtitleOptions = [
        OFF,
        ...player.subtitleTracks.map((t, i) => ({
          key: `h${i}`,
          label: t.name || languageName(t.lang) || `Track ${i + 1}`,
          language: t.lang ?? null,
          forced: t.forced,
        })),
      ];
      this.selectInitialSubtitle();
    });
    player.on(E.SUBTITLE_TRACK_SWITCH, (_e, data) => {
      this.subtitleKey = data.id >= 0 ? `h${data.id}` : 'off';
      this.updateCues();
    });
    player.on(E.CUES_PARSED, (_e, data) => {
      if (data.type !== 'subtitles') return;
      const index = player.subtitleTracks.indexOf(data.subtitleTrack as (typeof player.subtitleTracks)[number]);
      if (index < 0) return;
      const list = this.hlsCues.get(index) ?? [];
      for (const cue of data.cues) {
        if (!list.some((c) => c.startTime === cue.startTime && c.endTime === cue.endTime && c.text === cue.text)) {
          list.push(cue as VTTCue);
        }
      }
      this.hlsCues.set(index, list);
      this.updateCues();
    });
  }

  // ---------------------------------------------------------------- audio

  buildAudioOptions(): void {
    const { hls } = this.host;
    if (this.host.kind === 'hls.js' && hls) {
      const tracks = hls.audioTracks;
      if (tracks.length > 0) {
        this.audioOptions = tracks.map((t, i) => {
          const stream = this.video.audio.length === tracks.length ? this.video.audio[i] : undefined;
          const details = stream ? [codecLabel(stream.codec), channelsLabel(stream.channels)].filter(Boolean).join(' ') : '';
          return {
            key: `h${i}`,
            label: `${languageName(t.lang) || t.name || `Track ${i + 1}`}${details ? ` (${details})` : ''}`,
            language: t.lang ?? stream?.language ?? null,
          };
        });
        this.audioKey = `h${hls.audioTrack}`;
        return;
      }
    }
    this.audioOptions = this.video.audio.map((a, i) => ({
      key: `a${a.index}`,
      label: `${languageName(a.language) || a.title || `Track ${i + 1}`} (${[codecLabel(a.codec), channelsLabel(a.channels)].filter(Boolean).join(' ')})`,
      language: a.language ?? null,
    }));
    const { info } = this.host;
    const playing = info ? playingAudio(this.video.audio, info.method, this.context.preferences()?.audio_language) : null;
    this.audioKey = playing === null ? '' : `a${playing}`;
  }

  /**
   * Another audio stream: hls.js and browsers with `audioTracks` switch in place; else
   * the video starts again where it is with that stream.
   */
  selectAudio(key: string): void {
    if (key === this.audioKey) return;
    const { hls, el } = this.host;
    if (key.startsWith('h') && hls) {
      hls.audioTrack = Number(key.slice(1));
      this.audioKey = key;
      return;
    }
    const index = Number(key.slice(1));
    const list = (el as (HTMLVideoElement & { audioTracks?: { length: number; [i: number]: { enabled: boolean } } }) | undefined)
      ?.audioTracks;
    const pos = this.video.audio.findIndex((a) => a.index === index);
    if (list && list.length === this.video.audio.length && pos >= 0) {
      for (let i = 0; i < list.length; i++) {
        const t = list[i];
        if (t) t.enabled = i === pos;
      }
      this.audioKey = key;
      return;
    }
    this.wantedSubtitleLanguage = this.currentSubtitleLanguage();
    void this.host.begin(this.host.position, { audioIndex: index, maxHeight: this.host.forcedHeight });
  }

  /** The file's audio stream playing now, to keep across a reload. */
  audioIndexNow(): number | null {
    const { hls } = this.host;
    if (this.audioKey.startsWith('a')) return Number(this.audioKey.slice(1));
    if (this.audioKey.startsWith('h') && hls) {
      const i = Number(this.audioKey.slice(1));
      return this.video.audio.length === hls.audioTracks.length ? (this.video.audio[i]?.index ?? null) : null;
    }
    return null;
  }

  // ---------------------------------------------------------------- subtitles

  private currentSubtitleLanguage(): string | null {
    if (this.subtitleKey === 'off') return null;
    return this.subtitleOptions.find((o) => o.key === this.subtitleKey)?.language ?? null;
  }

  /** The language chosen before a reload, else the preference; `off` if chosen so. */
  private selectInitialSubtitle() {
    const wanted = this.wantedSubtitleLanguage;
    const lang = wanted !== undefined ? wanted : (this.context.preferences()?.subtitle_language ?? null);
    this.selectSubtitle(wanted === null ? 'off' : initialSubtitle(this.subtitleOptions, lang), false);
  }

  private buildDirectSubtitles() {
    this.subtitleOptions = [
      OFF,
      ...this.directTracks.map((t) => ({
        key: `s${t.id}`,
        label: `${t.label}${t.forced ? ' (forced)' : ''}`,
        language: t.language ?? null,
        forced: t.forced,
      })),
    ];
    this.selectInitialSubtitle();
  }

  private nativeTextTracks(): TextTrack[] {
    const { el } = this.host;
    return el ? Array.from(el.textTracks).filter((t) => t.kind === 'subtitles' || t.kind === 'captions') : [];
  }

  private buildNativeSubtitles() {
    if (!this.host.el) return;
    this.subtitleOptions = [
      OFF,
      ...this.nativeTextTracks().map((t, i) => ({
        key: `n${i}`,
        label: t.label || languageName(t.language) || `Track ${i + 1}`,
        language: t.language || null,
      })),
    ];
  }

  /** Shows a subtitle track (`off`: none); `remember` keeps its language across a reload. */
  selectSubtitle(key: string, remember = true): void {
    this.subtitleKey = key;
    if (remember) {
      this.wantedSubtitleLanguage = key === 'off' ? null : (this.subtitleOptions.find((o) => o.key === key)?.language ?? null);
    }
    const { hls, el, kind } = this.host;
    if (hls && kind === 'hls.js') {
      const i = key === 'off' ? -1 : Number(key.slice(1));
      hls.subtitleDisplay = i >= 0;
      hls.subtitleTrack = i;
      this.updateCues();
      return;
    }
    if (!el) return;
    // `hidden`: the track loads and keeps its active cues, which the player draws.
    if (kind === 'native-hls') {
      this.nativeTextTracks().forEach((t, i) => {
        t.mode = key === `n${i}` ? 'hidden' : 'disabled';
      });
    } else {
      const wanted = key === 'off' ? '' : `sub-${key.slice(1)}`;
      for (const track of this.nativeTextTracks()) {
        track.mode = track.id === wanted ? 'hidden' : 'disabled';
      }
    }
    this.updateCues();
  }

  /** The next subtitle track ("c"), its label returned. */
  cycleSubtitles(): string {
    const next = cycle(
      this.subtitleOptions.map((o) => o.key),
      this.subtitleKey,
    );
    this.selectSubtitle(next);
    return this.subtitleOptions.find((o) => o.key === next)?.label ?? 'Off';
  }

  /** The cues of the chosen subtitle track at the current time. */
  updateCues(): void {
    const active = this.activeCues()
      .sort((a, b) => a.startTime - b.startTime)
      .map((c) => c.text.replace(/<[^>]*>/g, '').trim())
      .filter((text) => text !== '');
    if (active.join('\n') !== this.shownCues.join('\n')) this.shownCues = active;
  }

  /** The chosen track's cues active now: hls.js' parsed ones, or a `<track>`'s. */
  private activeCues(): VTTCue[] {
    const { el, kind } = this.host;
    if (!el || this.subtitleKey === 'off') return [];
    if (kind === 'hls.js') {
      if (!this.subtitleKey.startsWith('h')) return [];
      const t = el.currentTime;
      return (this.hlsCues.get(Number(this.subtitleKey.slice(1))) ?? []).filter((c) => c.startTime <= t && c.endTime > t);
    }
    const native = this.nativeTextTracks();
    const track =
      kind === 'native-hls'
        ? native[Number(this.subtitleKey.slice(1))]
        : native.find((t) => t.id === `sub-${this.subtitleKey.slice(1)}`);
    return track?.activeCues ? (Array.from(track.activeCues) as VTTCue[]) : [];
  }

  // ---------------------------------------------------------------- quality

  buildQualityOptions(): void {
    const { hls, kind, forcedHeight } = this.host;
    const source = resolutionLabel(this.video.width, this.video.height) || 'source';
    if (kind === 'hls.js' && hls && hls.levels.length > 0) {
      const levels = qualityLevels(hls.levels);
      this.qualityOptions = [
        ...(forcedHeight ? [{ key: 'orig', label: `Original (${source})` }] : []),
        { key: 'auto', label: 'Auto' },
        ...levels.map((l) => ({ key: `l${l.index}`, label: `${l.height}p` })),
      ];
      this.qualityKey = hls.autoLevelEnabled ? 'auto' : `l${hls.currentLevel}`;
      return;
    }
    if (kind === 'hls.js' || kind === 'native-hls') {
      this.qualityOptions = forcedHeight ? [{ key: 'orig', label: `Original (${source})` }] : [];
      this.qualityKey = '';
      return;
    }
    this.qualityOptions = [
      { key: 'orig', label: `Original (${source})` },
      ...lowerRungs(this.video.height).map((h) => ({ key: `max${h}`, label: `${h}p (converted)` })),
    ];
    this.qualityKey = forcedHeight ? `max${forcedHeight}` : 'orig';
  }

  /**
   * An hls.js level switches in place, smoothly: what is buffered ahead is replaced from
   * the next fragment on while the picture plays on (`nextLevel`; `currentLevel` would
   * flush the whole buffer, and the picture stalled until hls.js's watchdog nudged it,
   * about 3 s on a small server). The original or a conversion starts again.
   */
  selectQuality(key: string): void {
    if (key === this.qualityKey) return;
    const audio = this.audioIndexNow();
    const { hls, position } = this.host;
    this.wantedSubtitleLanguage = this.currentSubtitleLanguage();
    if (key === 'orig') {
      void this.host.begin(position, { maxHeight: null, audioIndex: audio });
    } else if (key.startsWith('max')) {
      void this.host.begin(position, { maxHeight: Number(key.slice(3)), audioIndex: audio });
    } else if (hls) {
      hls.nextLevel = key === 'auto' ? -1 : Number(key.slice(1));
      this.qualityKey = key;
    }
  }
}
