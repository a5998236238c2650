import { describe, expect, it } from 'vitest';
import { keptParts, splitParts, urlExpiry } from './parts';

const MiB = 1024 * 1024;

describe('splitParts', () => {
  it('cuts every part at part_size, the last one holding the rest', () => {
    const parts = splitParts(20 * MiB + 3, 8 * MiB, 3);
    expect(parts).toEqual([
      { partNumber: 1, start: 0, end: 8 * MiB },
      { partNumber: 2, start: 8 * MiB, end: 16 * MiB },
      { partNumber: 3, start: 16 * MiB, end: 20 * MiB + 3 },
    ]);
  });

  it('covers the file exactly, without gap or overlap', () => {
    const size = 123_456_789;
    const ps = 5 * MiB;
    const parts = splitParts(size, ps, Math.ceil(size / ps));
    let at = 0;
    for (const p of parts) {
      expect(p.start).toBe(at);
      expect(p.end - p.start).toBeLessThanOrEqual(ps);
      at = p.end;
    }
    expect(at).toBe(size);
    expect(parts.slice(0, -1).every((p) => p.end - p.start === ps)).toBe(true);
  });

  it('makes one part of a file smaller than a part, and of an exact multiple no empty tail', () => {
    expect(splitParts(10, 8 * MiB, 1)).toEqual([{ partNumber: 1, start: 0, end: 10 }]);
    expect(splitParts(16 * MiB, 8 * MiB, 2).map((p) => p.end - p.start)).toEqual([8 * MiB, 8 * MiB]);
  });

  it('refuses a part_count that does not describe the size', () => {
    expect(() => splitParts(20 * MiB, 8 * MiB, 2)).toThrow(RangeError);
    expect(() => splitParts(20 * MiB, 8 * MiB, 4)).toThrow(RangeError);
    expect(() => splitParts(-1, 8 * MiB, 1)).toThrow(RangeError);
    expect(() => splitParts(10, 0, 1)).toThrow(RangeError);
  });
});

describe('keptParts', () => {
  const parts = splitParts(20 * MiB, 8 * MiB, 3);
  it('keeps held parts of the right size and drops short or unknown ones', () => {
    const kept = keptParts(parts, [
      { part_number: 1, etag: '"a"', size: 8 * MiB },
      { part_number: 2, etag: '"b"', size: 1000 }, // cut short
      { part_number: 3, etag: '"c"', size: 4 * MiB },
      { part_number: 9, etag: '"z"', size: 8 * MiB }, // no such part
    ]);
    expect([...kept]).toEqual([
      [1, '"a"'],
      [3, '"c"'],
    ]);
  });
});

describe('urlExpiry', () => {
  it('reads X-Amz-Date + X-Amz-Expires', () => {
    const u = 'http://s3/b/k?partNumber=1&X-Amz-Date=20261128T120000Z&X-Amz-Expires=3600&X-Amz-Signature=x';
    expect(urlExpiry(u)).toBe(Date.UTC(2026, 10, 28, 13, 0, 0));
  });
  it('answers null for a URL that does not say', () => {
    expect(urlExpiry('http://s3/b/k')).toBeNull();
    expect(urlExpiry('not a url')).toBeNull();
  });
});
