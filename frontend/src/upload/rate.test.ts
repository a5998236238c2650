import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate';

describe('RateMeter', () => {
  it('measures speed over its window and the time left at that speed', () => {
    const m = new RateMeter(5000);
    expect(m.speed()).toBeNull();
    m.add(0, 0);
    m.add(1000, 1_000_000);
    m.add(2000, 2_000_000);
    expect(m.speed()).toBe(1_000_000);
    expect(m.eta(10_000_000)).toBe(8);
  });
  it('forgets samples older than the window', () => {
    const m = new RateMeter(1000);
    m.add(0, 0);
    m.add(10_000, 100); // a long stall
    m.add(10_500, 600);
    m.add(11_000, 1100);
    expect(m.speed()).toBe(1000);
  });
  it('restarts instead of showing a negative speed when bytes go back', () => {
    const m = new RateMeter();
    m.add(0, 0);
    m.add(1000, 5000);
    m.add(1500, 1000); // a part failed and is counted again from zero
    expect(m.speed()).toBeNull();
    expect(m.eta(10_000)).toBeNull();
  });
});
