import { describe, expect, it } from 'vitest';
import { cardImage, imageKey, imageWidth } from './thumbs';

describe('images', () => {
  it('asks for the smallest width that covers the picture on this screen', () => {
    expect(imageWidth(100)).toBe(160);
    expect(imageWidth(200)).toBe(320);
    expect(imageWidth(200, 2)).toBe(640);
    expect(imageWidth(900, 2)).toBe(1280);
    expect(imageWidth(300, Number.NaN)).toBe(320);
  });

  it('tells images apart by everything that changes the picture', () => {
    const keys = [
      imageKey({ of: 'thumbnail', videoId: 'a' }),
      imageKey({ of: 'video', videoId: 'a', image: 'poster', width: 320 }),
      imageKey({ of: 'video', videoId: 'a', image: 'poster', width: 640 }),
      imageKey({ of: 'video', videoId: 'a', image: 'backdrop', width: 640 }),
      imageKey({ of: 'series', seriesId: 'a', image: 'poster', width: 320 }),
      imageKey({ of: 'series', seriesId: 'a', image: 'poster', width: 320, season: 1 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("picks a card's picture by its shape", () => {
    const film = { id: 'f', kind: 'film' as const, has_poster: true, has_thumbnail: true };
    expect(cardImage(film, 'poster', 320)).toEqual({ of: 'video', videoId: 'f', image: 'poster', width: 320 });
    expect(cardImage(film, 'wide', 320)).toEqual({ of: 'thumbnail', videoId: 'f' });
    // An episode's own thumb is wide.
    const episode = { id: 'e', kind: 'episode' as const, has_poster: true, has_thumbnail: true };
    expect(cardImage(episode, 'wide', 320)).toEqual({ of: 'video', videoId: 'e', image: 'poster', width: 320 });
    // A poster card without a poster gets the server's fallback, the frame.
    expect(cardImage({ ...film, has_poster: false }, 'poster', 320)?.of).toBe('video');
    expect(cardImage({ ...film, has_poster: false, has_thumbnail: false }, 'poster', 320)).toBeNull();
    expect(cardImage({ ...film, has_thumbnail: false }, 'wide', 320)).toBeNull();
  });
});
