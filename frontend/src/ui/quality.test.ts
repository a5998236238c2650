import { describe, expect, it } from 'vitest';
import { pollDelay, qualityOptions, rungName } from './quality';

describe('rungName', () => {
  it('names a rung by its shorter side, as the API names renditions', () => {
    expect(rungName({ width: 1280, height: 720 })).toBe('720p');
    expect(rungName({ width: 720, height: 1280 })).toBe('720p');
    expect(rungName({ width: 854, height: 480 })).toBe('480p');
  });
});

describe('qualityOptions', () => {
  const rungs = [
    { width: 640, height: 360, bitrate: 900_000 },
    { width: 1280, height: 720, bitrate: 3_500_000 },
    { width: 852, height: 480, bitrate: 1_400_000 },
  ];

  it('offers Auto first, then every rung best first, each valued by its index', () => {
    expect(qualityOptions(rungs, -1)).toEqual([
      { value: 'auto', label: 'Auto' },
      { value: '1', label: '720p' },
      { value: '2', label: '480p' },
      { value: '0', label: '360p' },
    ]);
  });

  it('says which rung Auto plays now', () => {
    expect(qualityOptions(rungs, 2)[0]).toEqual({ value: 'auto', label: 'Auto (480p)' });
  });
});

describe('pollDelay', () => {
  it('asks often until the video can be watched, calmly while it plays and processes, never once final', () => {
    expect(pollDelay('queued', false, false)).toBe(500);
    expect(pollDelay('processing', false, false)).toBe(500);
    expect(pollDelay('processing', true, false)).toBe(4000);
    expect(pollDelay('ready', true, true)).toBeNull();
    expect(pollDelay('failed', false, false)).toBeNull();
  });
});
