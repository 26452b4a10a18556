import { describe, expect, it } from 'vitest';
import { capabilityRequest, type MediaProbe } from './capabilities';
import { chooseEngine, hlsMasterUrl, isHls, linkToken, progressiveAt, withToken } from './engine';

/** A browser that answers from lists, like Chromium on Linux without HEVC or AC-3. */
function probeOf(mse: string[], canPlay: Record<string, string>): MediaProbe {
  return {
    mse: (t) => mse.includes(t),
    canPlay: (t) => canPlay[t] ?? '',
  };
}

const chromium = probeOf(
  [
    'video/mp4; codecs="avc1.42E01E"',
    'video/mp4; codecs="avc1.640028"',
    'video/mp4; codecs="avc1.640034"',
    'video/webm; codecs="vp9"',
    'video/mp4; codecs="av01.0.05M.08"',
    'audio/mp4; codecs="mp4a.40.2"',
    'audio/mpeg',
    'audio/webm; codecs="opus"',
    'audio/webm; codecs="vorbis"',
    'audio/mp4; codecs="flac"',
  ],
  {
    'video/mp4': 'maybe',
    'video/webm': 'maybe',
    'video/x-matroska': 'maybe',
    'application/vnd.apple.mpegurl': 'maybe',
  },
);

describe('capabilityRequest', () => {
  it('claims what the browser plays, with the highest H.264 level', () => {
    const req = capabilityRequest(chromium);
    expect(req.containers).toEqual(['mp4', 'm4v', 'webm']);
    expect(req.video_codecs).toEqual([{ codec: 'h264', max_level: 52 }, { codec: 'vp9' }, { codec: 'av1' }]);
    expect(req.audio_codecs).toEqual(['aac', 'mp3', 'opus', 'vorbis', 'flac']);
  });

  it('never claims Matroska, HEVC or AC-3 the browser does not have', () => {
    const req = capabilityRequest(chromium);
    expect(req.containers).not.toContain('mkv');
    expect(req.video_codecs?.map((c) => c.codec)).not.toContain('hevc');
    expect(req.audio_codecs).not.toContain('ac3');
    expect(req.audio_codecs).not.toContain('eac3');
  });

  it('claims HEVC, AC-3 and E-AC-3 where they play (Safari)', () => {
    const safari = probeOf(
      [
        'video/mp4; codecs="avc1.640028"',
        'video/mp4; codecs="hvc1.1.6.L120.90"',
        'video/mp4; codecs="hvc1.1.6.L150.90"',
        'audio/mp4; codecs="mp4a.40.2"',
        'audio/mp4; codecs="ac-3"',
        'audio/mp4; codecs="ec-3"',
      ],
      { 'video/mp4': 'maybe', 'video/quicktime': 'maybe' },
    );
    const req = capabilityRequest(safari);
    expect(req.containers).toEqual(['mp4', 'm4v', 'mov']);
    expect(req.video_codecs).toContainEqual({ codec: 'hevc', max_level: 150 });
    expect(req.video_codecs).toContainEqual({ codec: 'h264', max_level: 40 });
    expect(req.audio_codecs).toEqual(['aac', 'ac3', 'eac3']);
  });

  it('uses canPlayType where there is no MSE', () => {
    const iphone = probeOf([], {
      'video/mp4': 'maybe',
      'video/mp4; codecs="avc1.42E01E"': 'probably',
      'audio/mp4; codecs="mp4a.40.2"': 'probably',
    });
    const req = capabilityRequest(iphone);
    expect(req.video_codecs).toEqual([{ codec: 'h264' }]);
    expect(req.audio_codecs).toEqual(['aac']);
  });

  it('survives a probe that throws', () => {
    const broken: MediaProbe = {
      mse: () => {
        throw new Error('no');
      },
      canPlay: () => '',
    };
    expect(capabilityRequest(broken)).toEqual({ containers: [], video_codecs: [], audio_codecs: [] });
  });
});

const direct = { method: 'direct' as const, content_type: 'video/mp4', url: 'http://h:3000/api/stream/v1?token=abc' };
const remux = {
  method: 'remux' as const,
  content_type: 'video/mp4',
  url: 'http://h:3000/api/transcode/v1/stream.mp4?mode=remux&token=abc',
};
const hlsInfo = {
  method: 'transcode' as const,
  content_type: 'application/vnd.apple.mpegurl',
  url: 'http://h:3000/api/hls/v1/master.m3u8?token=abc&max_height=720',
};

describe('chooseEngine', () => {
  const chrome = { nativeHls: true, mse: true, audioTracks: false };
  const firefox = { nativeHls: false, mse: true, audioTracks: false };
  const safari = { nativeHls: true, mse: true, audioTracks: true };
  const iphone = { nativeHls: true, mse: false, audioTracks: true };
  const old = { nativeHls: false, mse: false, audioTracks: false };

  it('plays files and remuxes with <video src>', () => {
    for (const env of [chrome, firefox, safari, iphone, old]) {
      expect(chooseEngine(direct, env)).toBe('direct');
      expect(chooseEngine(remux, env)).toBe('direct');
    }
  });

  it('plays HLS with hls.js unless the browser switches audio itself or has no MSE', () => {
    expect(chooseEngine(hlsInfo, chrome)).toBe('hls.js');
    expect(chooseEngine(hlsInfo, firefox)).toBe('hls.js');
    expect(chooseEngine(hlsInfo, safari)).toBe('native-hls');
    expect(chooseEngine(hlsInfo, iphone)).toBe('native-hls');
    expect(chooseEngine(hlsInfo, old)).toBeNull();
  });

  it('recognises HLS by type or by .m3u8', () => {
    expect(isHls(hlsInfo)).toBe(true);
    expect(isHls({ content_type: 'application/x-mpegURL', url: '/x' })).toBe(true);
    expect(isHls({ content_type: 'application/octet-stream', url: '/a/master.m3u8?token=1' })).toBe(true);
    expect(isHls(direct)).toBe(false);
  });
});

describe('signed links', () => {
  it('takes the token from the playback URL', () => {
    expect(linkToken(direct.url)).toBe('abc');
    expect(linkToken('/api/stream/v1')).toBeNull();
  });

  it('adds the token to subtitle paths', () => {
    expect(withToken('/api/hls/v1/subtitles/s0/subtitles.vtt', 'a b')).toBe(
      '/api/hls/v1/subtitles/s0/subtitles.vtt?token=a%20b',
    );
    expect(withToken('/x?lang=en', 't')).toBe('/x?lang=en&token=t');
    expect(withToken('/x', null)).toBe('/x');
  });

  it('builds the HLS master of a video with the same link and limits', () => {
    expect(hlsMasterUrl({ url: direct.url, max_height: 720, max_bitrate_kbps: null }, 'v1')).toBe(
      'http://h:3000/api/hls/v1/master.m3u8?token=abc&max_height=720',
    );
    expect(hlsMasterUrl({ url: '/api/stream/v1?token=t', max_height: null, max_bitrate_kbps: 900 }, 'v1')).toBe(
      '/api/hls/v1/master.m3u8?token=t&max_bitrate_kbps=900',
    );
    expect(hlsMasterUrl({ url: '/api/stream/v1', max_height: null, max_bitrate_kbps: null }, 'v1')).toBeNull();
  });

  it('starts a remux at a position', () => {
    expect(progressiveAt(remux.url, 65.5)).toBe('http://h:3000/api/transcode/v1/stream.mp4?mode=remux&token=abc&start=65.500');
    expect(progressiveAt(`${remux.url}&start=10`, 0)).toBe(remux.url);
  });
});
