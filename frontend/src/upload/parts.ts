// How a file is cut into the parts the API dictates, and which parts a
// resumed upload still has to send.
import type { HeldPart } from '../api/types';

export interface PartSpec {
  partNumber: number; // 1-based, as S3 counts
  start: number; // byte offset, inclusive
  end: number; // byte offset, exclusive
}

/**
 * Every part is exactly partSize bytes but the last, which holds the rest
 * (at least one byte, or zero for an empty file). Throws when the API's
 * part_count does not describe this size: uploading would fail at the end.
 */
export function splitParts(size: number, partSize: number, partCount: number): PartSpec[] {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad size ${size}`);
  if (!Number.isSafeInteger(partSize) || partSize <= 0) throw new RangeError(`bad part size ${partSize}`);
  const expected = Math.max(1, Math.ceil(size / partSize));
  if (partCount !== expected) {
    throw new RangeError(`${size} bytes in parts of ${partSize} make ${expected} parts, not ${partCount}`);
  }
  const parts: PartSpec[] = [];
  for (let n = 1; n <= partCount; n++) {
    const start = (n - 1) * partSize;
    parts.push({ partNumber: n, start, end: Math.min(size, start + partSize) });
  }
  return parts;
}

/**
 * The parts storage already holds that can be kept: the right number, the
 * right size and an ETag. Anything else (a part cut short, a stray number)
 * is sent again.
 */
export function keptParts(parts: PartSpec[], held: HeldPart[]): Map<number, string> {
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  const kept = new Map<number, string>();
  for (const h of held) {
    const p = byNumber.get(h.part_number);
    if (p && h.size === p.end - p.start && typeof h.etag === 'string' && h.etag !== '') {
      kept.set(h.part_number, h.etag);
    }
  }
  return kept;
}

/**
 * When a pre-signed URL stops working, from its X-Amz-Date and X-Amz-Expires
 * (ms since the epoch); null when the URL does not say.
 */
export function urlExpiry(url: string): number | null {
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return null;
  }
  const date = q.get('X-Amz-Date');
  const expires = Number(q.get('X-Amz-Expires'));
  const m = date && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m || !Number.isFinite(expires)) return null;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return t + expires * 1000;
}
