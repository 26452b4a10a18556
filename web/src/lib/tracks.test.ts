import { describe, expect, it } from 'vitest';
import { columnsOf, gridMove } from './spatial';
import { cycle, defaultAudio, hlsAudioIndex, initialSubtitle, lowerRungs, playingAudio, qualityLevels } from './tracks';
import type { AudioStream } from './types';

const eng: AudioStream = { index: 1, codec: 'ac3', default: true, language: 'eng', channels: 6 };
const fra: AudioStream = { index: 2, codec: 'ac3', default: false, language: 'fra', channels: 2 };

describe('audio', () => {
  it('picks the preferred language, else the default, else the first', () => {
    expect(defaultAudio([eng, fra], 'fr')?.index).toBe(2);
    expect(defaultAudio([eng, fra], 'deu')?.index).toBe(1);
    expect(defaultAudio([eng, fra], null)?.index).toBe(1);
    expect(defaultAudio([{ ...fra }, { ...eng, default: false }], null)?.index).toBe(2);
    expect(defaultAudio([], 'eng')).toBeNull();
  });

  it('tells the stream a decision plays: the default of a file, the preferred in a rendition', () => {
    expect(playingAudio([eng, fra], 'direct', 'fra')).toBe(1);
    expect(playingAudio([eng, fra], 'remux', 'fra')).toBe(2);
    expect(playingAudio([eng, fra], 'transcode', 'fra')).toBe(2);
    expect(playingAudio([eng, fra], 'transcode', null)).toBe(1);
    expect(playingAudio([], 'direct', null)).toBeNull();
  });

  it('finds a file stream among hls.js audio tracks', () => {
    const tracks = [{ lang: 'eng', name: 'eng' }, { lang: 'fra', name: 'fra' }];
    expect(hlsAudioIndex([eng, fra], tracks, 2)).toBe(1);
    expect(hlsAudioIndex([eng, fra], tracks, 1)).toBe(0);
    expect(hlsAudioIndex([eng, fra], [{ lang: 'fra' }], 2)).toBe(0);
    expect(hlsAudioIndex([eng, fra], tracks, 9)).toBe(-1);
  });
});

describe('subtitles', () => {
  const options = [
    { key: 'off' },
    { key: 's0', language: 'en', forced: false },
    { key: 's1', language: 'fra', forced: true },
  ];

  it('starts with the preferred language, else a forced track, else off', () => {
    expect(initialSubtitle(options, 'eng')).toBe('s0');
    expect(initialSubtitle(options, null)).toBe('s1');
    expect(initialSubtitle(options.slice(0, 2), null)).toBe('off');
    expect(initialSubtitle(options.slice(0, 2), 'deu')).toBe('off');
  });

  it('cycles through the keys', () => {
    expect(cycle(['off', 's0', 's1'], 'off')).toBe('s0');
    expect(cycle(['off', 's0', 's1'], 's1')).toBe('off');
    expect(cycle(['off'], 'off')).toBe('off');
    expect(cycle([], 'x')).toBe('x');
  });
});

describe('quality', () => {
  it('offers conversions below the source', () => {
    expect(lowerRungs(2160)).toEqual([1080, 720, 480]);
    expect(lowerRungs(1080)).toEqual([720, 480]);
    expect(lowerRungs(360)).toEqual([]);
    expect(lowerRungs(null)).toEqual([]);
  });

  it('lists HLS levels tallest first without audio-only', () => {
    expect(qualityLevels([{ height: 480 }, { height: 720 }, {}, { height: 360 }])).toEqual([
      { index: 1, height: 720 },
      { index: 0, height: 480 },
      { index: 3, height: 360 },
    ]);
  });
});

describe('grid focus', () => {
  it('counts the columns of the first row', () => {
    expect(columnsOf([0, 0, 0, 0, 250, 250])).toBe(4);
    expect(columnsOf([0, 300])).toBe(1);
    expect(columnsOf([])).toBe(1);
  });

  it('moves by arrows in a wrapped grid', () => {
    // 10 items, 4 columns: rows [0-3] [4-7] [8-9]
    expect(gridMove(0, 'ArrowRight', 4, 10)).toBe(1);
    expect(gridMove(0, 'ArrowLeft', 4, 10)).toBe(0);
    expect(gridMove(1, 'ArrowDown', 4, 10)).toBe(5);
    expect(gridMove(5, 'ArrowDown', 4, 10)).toBe(9);
    expect(gridMove(6, 'ArrowDown', 4, 10)).toBe(6);
    expect(gridMove(5, 'ArrowUp', 4, 10)).toBe(1);
    expect(gridMove(1, 'ArrowUp', 4, 10)).toBe(1);
    expect(gridMove(3, 'ArrowRight', 4, 10)).toBe(4);
    expect(gridMove(4, 'End', 4, 10)).toBe(9);
    expect(gridMove(9, 'Home', 4, 10)).toBe(0);
    expect(gridMove(0, 'PageDown', 4, 10)).toBe(9);
    expect(gridMove(2, 'x', 4, 10)).toBe(2);
  });
});
