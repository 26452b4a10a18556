// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import type Hls from 'hls.js';
import { aDecision, aSubtitle, aVideo, FakeHls, fakeVideo, FRA, HLS_EVENTS, type FakeVideo } from './player-fixtures';
import { Tracks, type BeginOptions, type PlayingKind, type TrackHost } from './player-tracks.svelte';
import type { PlaybackInfo, Preferences, Video } from './types';

const E = HLS_EVENTS as unknown as typeof Hls.Events;

/** The engine as the tracks see it: plain fields the test sets, `begin` recorded. */
class Host implements TrackHost {
  kind: PlayingKind | null = 'direct';
  hls: Hls | null = null;
  info: PlaybackInfo | null = aDecision();
  el: FakeVideo | undefined = fakeVideo();
  forcedHeight: number | null = null;
  position = 42;
  begin = vi.fn<(at: number, opts: BeginOptions) => Promise<void>>(() => Promise.resolve());
}

function setup(opts: { video?: Video; preferences?: Preferences | null; kind?: PlayingKind } = {}) {
  const host = new Host();
  host.kind = opts.kind ?? 'direct';
  const video = opts.video ?? aVideo();
  const tracks = new Tracks(host, { video: () => video, preferences: () => opts.preferences ?? null });
  return { host, tracks };
}

/** Text tracks as the `<track>` elements of a direct file make them. */
function sidecarTracks(el: FakeVideo, ids: string[]) {
  el.fakeTracks = ids.map((id) => ({ kind: 'subtitles', id: `sub-${id}`, label: id, language: '', mode: 'disabled' }));
}

function withHls(host: Host, tracks: Tracks): FakeHls {
  const hls = new FakeHls({});
  host.kind = 'hls.js';
  host.hls = hls.asHls;
  tracks.attachHls(hls.asHls, E);
  return hls;
}

describe('a file played directly', () => {
  it('offers the original quality and the conversions below it', () => {
    const { tracks } = setup();
    tracks.prepare(null);
    expect(tracks.qualityOptions).toEqual([
      { key: 'orig', label: 'Original (1080p)' },
      { key: 'max720', label: '720p (converted)' },
      { key: 'max480', label: '480p (converted)' },
    ]);
    expect(tracks.qualityKey).toBe('orig');
  });

  it('lists the audio streams, the default one playing', async () => {
    const { tracks } = setup({ preferences: { audio_language: 'fra' } });
    await tracks.loadDirect([]);
    expect(tracks.audioOptions.map((o) => [o.key, o.language])).toEqual([
      ['a1', 'eng'],
      ['a2', 'fra'],
    ]);
    expect(tracks.audioOptions[0]?.label).toMatch(/^English \(.+ 5\.1\)$/);
    // A file plays its default stream whatever the preference.
    expect(tracks.audioKey).toBe('a1');
    expect(tracks.audioLanguage).toBe('eng');
  });

  it('lists the sidecar subtitles and shows the one in the preferred language', async () => {
    const { host, tracks } = setup({ preferences: { subtitle_language: 'fr' } });
    const el = host.el as FakeVideo;
    sidecarTracks(el, ['en', 'fr']);
    await tracks.loadDirect([aSubtitle('en', 'eng'), aSubtitle('fr', 'fra', true)]);
    expect(tracks.directTracks.map((t) => t.id)).toEqual(['en', 'fr']);
    expect(tracks.subtitleOptions.map((o) => [o.key, o.label])).toEqual([
      ['off', 'Off'],
      ['sen', 'eng sub'],
      ['sfr', 'fra sub (forced)'],
    ]);
    expect(tracks.subtitleKey).toBe('sfr');
    // Hidden: the browser would draw its cues under the control bar; the player draws them.
    expect(el.fakeTracks.map((t) => t.mode)).toEqual(['disabled', 'hidden']);
    const [en, fr] = el.fakeTracks;
    if (!en || !fr) throw new Error('two tracks');
    en.activeCues = [{ startTime: 0, endTime: 2, text: 'Hello' }];
    fr.activeCues = [
      { startTime: 1, endTime: 3, text: '<i>Deux</i>' },
      { startTime: 0, endTime: 3, text: 'Un' },
    ];
    tracks.updateCues();
    expect(tracks.shownCues).toEqual(['Un', 'Deux']);
    tracks.selectSubtitle('off');
    expect(tracks.shownCues).toEqual([]);
  });

  it('shows a forced track without a preference, and none without one', async () => {
    const forced = setup();
    await forced.tracks.loadDirect([aSubtitle('en', 'eng'), aSubtitle('fr', 'fra', true)]);
    expect(forced.tracks.subtitleKey).toBe('sfr');
    const none = setup();
    await none.tracks.loadDirect([aSubtitle('en', 'eng')]);
    expect(none.tracks.subtitleKey).toBe('off');
  });

  it('"c" cycles the subtitles and says which', async () => {
    const { host, tracks } = setup();
    sidecarTracks(host.el as FakeVideo, ['en']);
    await tracks.loadDirect([aSubtitle('en', 'eng')]);
    expect(tracks.cycleSubtitles()).toBe('eng sub');
    expect(tracks.subtitleKey).toBe('sen');
    expect((host.el as FakeVideo).fakeTracks[0]?.mode).toBe('hidden');
    expect(tracks.cycleSubtitles()).toBe('Off');
    expect((host.el as FakeVideo).fakeTracks[0]?.mode).toBe('disabled');
  });

  it('switches the audio in place where the browser lists audio tracks', async () => {
    const { host, tracks } = setup();
    const list = [{ enabled: true }, { enabled: false }];
    Object.defineProperty(host.el, 'audioTracks', { value: Object.assign(list, { length: 2 }) });
    await tracks.loadDirect([]);
    tracks.selectAudio('a2');
    expect(list.map((t) => t.enabled)).toEqual([false, true]);
    expect(tracks.audioKey).toBe('a2');
    expect(host.begin).not.toHaveBeenCalled();
  });

  it('starts again with the other stream elsewhere, where it is and at the quality chosen', async () => {
    const { host, tracks } = setup();
    host.forcedHeight = 720;
    await tracks.loadDirect([]);
    tracks.selectAudio('a1');
    expect(host.begin).not.toHaveBeenCalled();
    tracks.selectAudio('a2');
    expect(host.begin).toHaveBeenCalledWith(42, { audioIndex: 2, maxHeight: 720 });
  });

  it('keeps the subtitle language chosen across such a reload, even "off"', async () => {
    const { tracks } = setup({ preferences: { subtitle_language: 'eng' } });
    const subs = [aSubtitle('en', 'eng'), aSubtitle('fr', 'fra')];
    await tracks.loadDirect(subs);
    expect(tracks.subtitleKey).toBe('sen');
    tracks.selectSubtitle('sfr');
    tracks.selectAudio('a2');
    tracks.reset();
    await tracks.loadDirect(subs);
    expect(tracks.subtitleKey).toBe('sfr');
    tracks.selectSubtitle('off');
    tracks.selectQuality('max480');
    await tracks.loadDirect(subs);
    expect(tracks.subtitleKey).toBe('off');
  });

  it('keeps the language of subtitles shown by themselves across a reload', async () => {
    const { tracks } = setup();
    await tracks.loadDirect([aSubtitle('en', 'eng'), aSubtitle('fr', 'fra', true)]);
    expect(tracks.subtitleKey).toBe('sfr');
    tracks.selectAudio('a2');
    // The rendition started again lists the French track without its forced flag.
    await tracks.loadDirect([aSubtitle('en', 'eng'), aSubtitle('fr', 'fra')]);
    expect(tracks.subtitleKey).toBe('sfr');
  });

  it('starts a conversion, or the original again, with the audio playing', async () => {
    const { host, tracks } = setup();
    tracks.prepare(null);
    await tracks.loadDirect([]);
    tracks.selectQuality('orig');
    expect(host.begin).not.toHaveBeenCalled();
    tracks.selectQuality('max720');
    expect(host.begin).toHaveBeenLastCalledWith(42, { maxHeight: 720, audioIndex: 1 });
    host.forcedHeight = 720;
    tracks.prepare(null);
    expect(tracks.qualityKey).toBe('max720');
    tracks.selectQuality('orig');
    expect(host.begin).toHaveBeenLastCalledWith(42, { maxHeight: null, audioIndex: 1 });
  });

  it('forgets the last source on reset', async () => {
    const { tracks } = setup();
    await tracks.loadDirect([aSubtitle('en', 'eng')]);
    tracks.reset();
    expect(tracks.directTracks).toEqual([]);
    expect(tracks.shownCues).toEqual([]);
  });
});

describe('hls.js', () => {
  it('offers Auto and the levels, tallest first, and switches a level in place', () => {
    const { host, tracks } = setup();
    const hls = withHls(host, tracks);
    tracks.prepare(null);
    expect(tracks.qualityOptions).toEqual([]);
    hls.levels = [{ height: 360 }, { height: 720 }, { height: 0 }];
    hls.emit(E.MANIFEST_PARSED);
    expect(tracks.qualityOptions).toEqual([
      { key: 'auto', label: 'Auto' },
      { key: 'l1', label: '720p' },
      { key: 'l0', label: '360p' },
    ]);
    expect(tracks.qualityKey).toBe('auto');
    expect(tracks.qualityLabel).toBe('Quality');
    hls.emit(E.LEVEL_SWITCHED, { level: 1 });
    expect(tracks.qualityLabel).toBe('Quality: Auto (720p)');
    tracks.selectQuality('l0');
    expect(hls.nextLevel).toBe(0);
    expect(hls.currentLevel, 'no flush of what plays').toBe(-1);
    expect(tracks.qualityKey).toBe('l0');
    expect(tracks.qualityLabel).toBe('Quality');
    tracks.selectQuality('auto');
    expect(hls.nextLevel).toBe(-1);
    expect(host.begin).not.toHaveBeenCalled();
  });

  it('offers the original back first when a lower quality was asked for', () => {
    const { host, tracks } = setup();
    host.forcedHeight = 480;
    const hls = withHls(host, tracks);
    tracks.prepare(null);
    expect(tracks.qualityOptions).toEqual([{ key: 'orig', label: 'Original (1080p)' }]);
    hls.levels = [{ height: 480 }];
    hls.emit(E.MANIFEST_PARSED);
    expect(tracks.qualityOptions.map((o) => o.key)).toEqual(['orig', 'auto', 'l0']);
  });

  it('plays the audio stream asked for once hls.js lists its tracks', () => {
    const { host, tracks } = setup();
    const hls = withHls(host, tracks);
    tracks.prepare(FRA.index);
    hls.audioTracks = [
      { lang: 'eng', name: 'English' },
      { lang: 'fra', name: 'French' },
    ];
    hls.emit(E.AUDIO_TRACKS_UPDATED);
    expect(hls.audioTrack).toBe(1);
    expect(tracks.audioOptions.map((o) => o.key)).toEqual(['h0', 'h1']);
    expect(tracks.audioOptions[1]?.label).toMatch(/^French \(.+Stereo\)$/);
    expect(tracks.audioKey).toBe('h1');
    expect(tracks.audioLanguage).toBe('fra');
    expect(tracks.audioIndexNow()).toBe(FRA.index);
  });

  it('switches hls.js audio in place', () => {
    const { host, tracks } = setup();
    const hls = withHls(host, tracks);
    hls.audioTracks = [{ lang: 'eng', name: 'English' }, { lang: 'fra', name: 'French' }];
    hls.emit(E.AUDIO_TRACKS_UPDATED);
    tracks.selectAudio('h1');
    expect(hls.audioTrack).toBe(1);
    expect(tracks.audioKey).toBe('h1');
    expect(tracks.audioIndexNow()).toBe(FRA.index);
    expect(host.begin).not.toHaveBeenCalled();
  });

  it('chooses the preferred subtitles and draws their cues at the current time', () => {
    const { host, tracks } = setup({ preferences: { subtitle_language: 'eng' } });
    const hls = withHls(host, tracks);
    const el = host.el as FakeVideo;
    hls.subtitleTracks = [{ lang: 'eng', name: '', forced: false }];
    hls.emit(E.SUBTITLE_TRACKS_UPDATED);
    expect(tracks.subtitleOptions.map((o) => [o.key, o.label])).toEqual([
      ['off', 'Off'],
      ['h0', 'English'],
    ]);
    expect(tracks.subtitleKey).toBe('h0');
    expect(hls.subtitleTrack).toBe(0);
    expect(hls.subtitleDisplay).toBe(true);

    const cue = (startTime: number, endTime: number, text: string) => ({ startTime, endTime, text });
    const cues = [cue(0, 3, 'Hello <i>there</i>'), cue(3, 6, 'Second'), cue(0, 3, 'Hello <i>there</i>')];
    hls.emit(E.CUES_PARSED, { type: 'subtitles', subtitleTrack: hls.subtitleTracks[0], cues });
    expect(tracks.shownCues).toEqual(['Hello there']);
    el.currentTime = 4;
    tracks.updateCues();
    expect(tracks.shownCues).toEqual(['Second']);
    // A track hls.js does not list, and captions, are not drawn.
    hls.emit(E.CUES_PARSED, { type: 'captions', subtitleTrack: hls.subtitleTracks[0], cues: [cue(3, 6, 'CC')] });
    hls.emit(E.CUES_PARSED, { type: 'subtitles', subtitleTrack: {}, cues: [cue(3, 6, 'Other')] });
    expect(tracks.shownCues).toEqual(['Second']);

    expect(tracks.cycleSubtitles()).toBe('Off');
    expect(hls.subtitleTrack).toBe(-1);
    expect(hls.subtitleDisplay).toBe(false);
    expect(tracks.shownCues).toEqual([]);
  });

  it('follows a subtitle switch made by hls.js', () => {
    const { host, tracks } = setup();
    const hls = withHls(host, tracks);
    hls.emit(E.SUBTITLE_TRACK_SWITCH, { id: 2 });
    expect(tracks.subtitleKey).toBe('h2');
    hls.emit(E.SUBTITLE_TRACK_SWITCH, { id: -1 });
    expect(tracks.subtitleKey).toBe('off');
  });
});

describe('native HLS', () => {
  it('lists the tracks the browser found and shows the one chosen', () => {
    const { host, tracks } = setup({ kind: 'native-hls' });
    const el = host.el as FakeVideo;
    el.fakeTracks = [
      { kind: 'subtitles', id: '', label: '', language: 'fr', mode: 'disabled' },
      { kind: 'metadata', id: '', label: 'id3', language: '', mode: 'hidden' },
      { kind: 'captions', id: '', label: 'CC', language: 'en', mode: 'disabled' },
    ];
    tracks.prepare(null);
    expect(tracks.qualityOptions).toEqual([]);
    tracks.metadataLoaded();
    expect(tracks.subtitleOptions.map((o) => [o.key, o.label])).toEqual([
      ['off', 'Off'],
      ['n0', 'French'],
      ['n1', 'CC'],
    ]);
    const cc = el.fakeTracks[2];
    if (cc) cc.activeCues = [{ startTime: 0, endTime: 1, text: 'Captioned' }];
    tracks.selectSubtitle('n1');
    expect(el.fakeTracks.map((t) => t.mode)).toEqual(['disabled', 'hidden', 'hidden']);
    expect(tracks.shownCues).toEqual(['Captioned']);
  });
});
