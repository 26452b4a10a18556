import { describe, expect, it } from 'vitest';
import { withCurrent } from './facets';

describe('withCurrent', () => {
  it('offers what the server offers, and the value in use even when it no longer does', () => {
    expect(withCurrent(['Comedy', 'Drama'], '', '')).toEqual(['Comedy', 'Drama']);
    expect(withCurrent(['Comedy', 'Drama'], 'Drama', '')).toEqual(['Comedy', 'Drama']);
    expect(withCurrent(['Comedy'], 'Horror', '')).toEqual(['Comedy', 'Horror']);
    expect(withCurrent([2020, 2019], 1979, 0)).toEqual([2020, 2019, 1979]);
    expect(withCurrent([2020], 0, 0)).toEqual([2020]);
  });
});
