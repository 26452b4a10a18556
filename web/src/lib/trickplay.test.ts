import { describe, expect, it } from 'vitest';
import { cueAt, parseIndex, vttTime } from './trickplay';

const INDEX = `WEBVTT

00:00:00.000 --> 00:00:10.000
0.jpg#xywh=0,0,320,180

00:00:10.000 --> 00:00:20.000
0.jpg#xywh=320,0,320,180

00:16:40.000 --> 00:16:50.000
1.jpg#xywh=0,0,320,180

01:00:00.000 --> 01:00:03.500
1.jpg#xywh=320,0,320,180
`;

describe('seek previews', () => {
  it('reads the times of an index', () => {
    expect(vttTime('00:00:10.000')).toBe(10);
    expect(vttTime('01:02:05.250')).toBe(3725.25);
    expect(vttTime('02:05.5')).toBe(125.5);
    expect(vttTime('1:2:3:4')).toBeNaN();
    expect(vttTime('aa:00.000')).toBeNaN();
  });

  it('reads each cue: its time, sheet and place', () => {
    const cues = parseIndex(INDEX);
    expect(cues).toHaveLength(4);
    expect(cues[0]).toEqual({ start: 0, end: 10, sheet: '0.jpg', x: 0, y: 0, w: 320, h: 180 });
    expect(cues[2]).toEqual({ start: 1000, end: 1010, sheet: '1.jpg', x: 0, y: 0, w: 320, h: 180 });
    expect(cues[3]?.end).toBe(3603.5);
  });

  it('skips what is not a preview cue, and never a sheet outside the index folder', () => {
    const text = `WEBVTT\r\n\r\nNOTE made by hand\r\n\r\n00:00:00.000 --> 00:00:05.000\r\n../secret.jpg#xywh=0,0,1,1\r\n\r\n00:00:05.000 --> 00:00:02.000\r\n0.jpg#xywh=0,0,1,1\r\n\r\ncue-id\r\n00:00:05.000 --> 00:00:10.000 align:start\r\n0.jpg#xywh=1,2,3,4\r\n`;
    expect(parseIndex(text)).toEqual([{ start: 5, end: 10, sheet: '0.jpg', x: 1, y: 2, w: 3, h: 4 }]);
    expect(parseIndex('not an index')).toEqual([]);
  });

  it('finds the picture showing a time: the last cue starting at or before it', () => {
    const cues = parseIndex(INDEX);
    expect(cueAt(cues, 0)?.x).toBe(0);
    expect(cueAt(cues, 9.99)?.x).toBe(0);
    expect(cueAt(cues, 10)?.x).toBe(320);
    expect(cueAt(cues, 500)?.x).toBe(320);
    expect(cueAt(cues, 1005)?.sheet).toBe('1.jpg');
    expect(cueAt(cues, 99999)?.start).toBe(3600);
    expect(cueAt(cues, -3)?.start).toBe(0);
    expect(cueAt([], 5)).toBeNull();
    expect(cueAt(cues, NaN)).toBeNull();
  });
});
