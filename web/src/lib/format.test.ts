import { describe, expect, it } from 'vitest';
import {
  channelsLabel,
  codecLabel,
  formatBytes,
  formatDuration,
  formatTime,
  languageName,
  resolutionLabel,
  sameLanguage,
} from './format';

describe('formatTime', () => {
  it('formats minutes and seconds', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(7)).toBe('0:07');
    expect(formatTime(7.9)).toBe('0:07');
    expect(formatTime(754)).toBe('12:34');
    expect(formatTime(3599)).toBe('59:59');
  });

  it('adds hours past an hour', () => {
    expect(formatTime(3600)).toBe('1:00:00');
    expect(formatTime(3723)).toBe('1:02:03');
    expect(formatTime(36000 + 61)).toBe('10:01:01');
  });

  it('shows nonsense as zero', () => {
    expect(formatTime(-3)).toBe('0:00');
    expect(formatTime(Number.NaN)).toBe('0:00');
    expect(formatTime(Infinity)).toBe('0:00');
    expect(formatTime(null)).toBe('0:00');
  });
});

describe('formatDuration', () => {
  it('says a length in words', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(12 * 60)).toBe('12 min');
    expect(formatDuration(92 * 60)).toBe('1 h 32 min');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(0)).toBe('');
    expect(formatDuration(null)).toBe('');
  });
});

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(4_200_000)).toBe('4.20 MB');
    expect(formatBytes(1_350_000_000)).toBe('1.35 GB');
    expect(formatBytes(25_300_000)).toBe('25.3 MB');
  });
});

describe('resolutionLabel', () => {
  it('labels by width and height', () => {
    expect(resolutionLabel(3840, 2160)).toBe('4K');
    expect(resolutionLabel(1920, 1080)).toBe('1080p');
    expect(resolutionLabel(1920, 800)).toBe('1080p');
    expect(resolutionLabel(1280, 720)).toBe('720p');
    expect(resolutionLabel(854, 480)).toBe('480p');
    expect(resolutionLabel(640, 360)).toBe('360p');
    expect(resolutionLabel(320, 240)).toBe('240p');
    expect(resolutionLabel(null, null)).toBe('');
  });
});

describe('media names', () => {
  it('names codecs and channels', () => {
    expect(codecLabel('h264')).toBe('H.264');
    expect(codecLabel('hevc')).toBe('HEVC');
    expect(codecLabel('ac3')).toBe('AC-3');
    expect(codecLabel('weird')).toBe('WEIRD');
    expect(channelsLabel(2)).toBe('Stereo');
    expect(channelsLabel(6)).toBe('5.1');
    expect(channelsLabel(3)).toBe('3 ch');
  });

  it('names languages from 2- and 3-letter codes', () => {
    expect(languageName('eng')).toBe('English');
    expect(languageName('fra')).toBe('French');
    expect(languageName('fre')).toBe('French');
    expect(languageName('de')).toBe('German');
    expect(languageName('und')).toBe('Unknown');
    expect(languageName(null)).toBe('');
  });

  it('compares languages across code lengths', () => {
    expect(sameLanguage('en', 'eng')).toBe(true);
    expect(sameLanguage('fre', 'fra')).toBe(true);
    expect(sameLanguage('eng', 'fra')).toBe(false);
    expect(sameLanguage(null, 'eng')).toBe(false);
  });
});
