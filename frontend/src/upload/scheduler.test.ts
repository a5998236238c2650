// The scheduler against a fake storage and a fake API (a unit test: the
// transport is the boundary it fakes; the browser tests use the real stack).
import { describe, expect, it } from 'vitest';
import { PutError, UploadScheduler, type PartTransport } from './scheduler';
import type { PartUrl } from '../api/types';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');

function url(n: number, gen: number, signedAt = NOW): string {
  return `http://s3.test/raw/k?partNumber=${n}&X-Amz-Date=${stamp(signedAt)}&X-Amz-Expires=3600&X-Amz-Signature=g${gen}`;
}

interface Fake {
  transport: PartTransport;
  puts: string[];
  headers: Record<string, string>[];
  signs: number[][];
  signedDigests: Map<number, string>;
  completed: { part_number: number; etag: string }[] | null;
  maxInFlight: number;
  fail: Map<number, number[]>; // part -> statuses of its next attempts
  onPut?: (n: number) => void;
}

function fake(): Fake {
  let inFlight = 0;
  let gen = 1;
  const f: Fake = {
    puts: [],
    headers: [],
    signs: [],
    signedDigests: new Map(),
    completed: null,
    maxInFlight: 0,
    fail: new Map(),
    transport: {
      // a stand-in digest that still depends on the bytes: their length and sum
      digest: async (body) => {
        const bytes = new Uint8Array(await body.arrayBuffer());
        return `md5:${bytes.length}:${bytes.reduce((a, b) => a + b, 0)}`;
      },
      sign: async (parts) => {
        f.signs.push(parts.map((p) => p.part_number));
        for (const p of parts) f.signedDigests.set(p.part_number, p.md5);
        gen++;
        await new Promise((r) => setTimeout(r, 1));
        return parts.map((p): PartUrl => ({
          part_number: p.part_number,
          url: url(p.part_number, gen),
          headers: { 'Content-MD5': p.md5 },
        }));
      },
      put: (u, body, headers, onProgress, signal) =>
        new Promise((resolve, reject) => {
          const n = Number(new URL(u).searchParams.get('partNumber'));
          f.puts.push(u);
          f.headers.push(headers);
          inFlight++;
          f.maxInFlight = Math.max(f.maxInFlight, inFlight);
          f.onPut?.(n);
          const onAbort = () => {
            clearTimeout(t);
            inFlight--;
            reject(signal.reason);
          };
          const t = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            inFlight--;
            onProgress(body.size);
            const status = f.fail.get(n)?.shift();
            if (status !== undefined) reject(new PutError(status, `storage answered ${status}`));
            else resolve(`"etag-${n}"`);
          }, 1 + (n % 3));
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      complete: async (parts) => {
        f.completed = parts;
      },
    },
  };
  return f;
}

const blob = (size: number) => new Blob([new Uint8Array(size)]);
const first = (count: number, upTo = 100) =>
  Array.from({ length: Math.min(count, upTo) }, (_, i) => ({ part_number: i + 1, url: url(i + 1, 1) }));
const noWait = { sleep: async () => undefined, now: () => NOW };

describe('UploadScheduler', () => {
  it('sends every part once with at most 4 in flight, then completes them in order', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(200), 10, 20, first(20), f.transport, noWait);
    const seen: number[] = [];
    s.onProgress((p) => seen.push(p.loaded));
    expect(await s.run()).toBe('completed');
    expect(f.puts).toHaveLength(20);
    expect(f.maxInFlight).toBe(4);
    expect(f.completed).toEqual(Array.from({ length: 20 }, (_, i) => ({ part_number: i + 1, etag: `"etag-${i + 1}"` })));
    expect(f.signs).toEqual([]); // the create answer's URLs were enough
    expect(s.progress).toMatchObject({ loaded: 200, total: 200, partsDone: 20 });
    expect(Math.max(...seen)).toBe(200);
  });

  it('honours another concurrency bound', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(95), 10, 10, first(10), f.transport, { ...noWait, concurrency: 2 });
    await s.run();
    expect(f.maxInFlight).toBe(2);
    expect(f.completed).toHaveLength(10);
  });

  it('retries a failed part with growing backoff', async () => {
    const f = fake();
    f.fail.set(3, [500, 0]); // a server error, then no answer at all
    const waits: number[] = [];
    const s = new UploadScheduler(blob(50), 10, 5, first(5), f.transport, {
      ...noWait,
      backoff: (a) => a * 100,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await s.run()).toBe('completed');
    expect(waits).toEqual([100, 200]);
    expect(f.puts.filter((u) => u.includes('partNumber=3&'))).toHaveLength(3);
    expect(f.completed?.[2]).toEqual({ part_number: 3, etag: '"etag-3"' });
  });

  it('gives up after its retries and does not complete', async () => {
    const f = fake();
    f.fail.set(2, [503, 503, 503, 503]);
    const s = new UploadScheduler(blob(30), 10, 3, first(3), f.transport, { ...noWait, retries: 3 });
    await expect(s.run()).rejects.toMatchObject({ status: 503 });
    expect(f.puts.filter((u) => u.includes('partNumber=2&'))).toHaveLength(4);
    expect(f.completed).toBeNull();
    expect(s.running).toBe(false);
  });

  it('does not retry what a retry cannot mend (404: the upload is gone)', async () => {
    const f = fake();
    f.fail.set(1, [404]);
    const s = new UploadScheduler(blob(10), 10, 1, first(1), f.transport, noWait);
    await expect(s.run()).rejects.toBeInstanceOf(PutError);
    expect(f.puts).toHaveLength(1);
  });

  it('signs a part again after a 403 and sends it to the new URL', async () => {
    const f = fake();
    f.fail.set(2, [403]);
    const s = new UploadScheduler(blob(30), 10, 3, first(3), f.transport, noWait);
    expect(await s.run()).toBe('completed');
    expect(f.signs).toEqual([[2]]);
    const second = f.puts.filter((u) => u.includes('partNumber=2&'));
    expect(second).toHaveLength(2);
    expect(second[0]).toContain('Signature=g1');
    expect(second[1]).not.toContain('Signature=g1');
  });

  it('re-signs a URL that has expired before using it', async () => {
    const f = fake();
    const stale = [{ part_number: 1, url: url(1, 1, NOW - 2 * 3600_000) }, { part_number: 2, url: url(2, 1) }];
    const s = new UploadScheduler(blob(20), 10, 2, stale, f.transport, noWait);
    await s.run();
    expect(f.signs).toEqual([[1]]);
    expect(f.puts.some((u) => u.includes('partNumber=1&') && u.includes('Signature=g1'))).toBe(false);
  });

  it('signs the parts beyond the URLs it was given in batches of at most 16, one request for concurrent needs', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(2500), 10, 250, first(250), f.transport, noWait);
    await s.run();
    expect(f.puts).toHaveLength(250);
    expect(f.signs.every((b) => b.length <= 16)).toBe(true);
    const signed = f.signs.flat().sort((a, b) => a - b);
    expect(signed).toEqual(Array.from({ length: 150 }, (_, i) => i + 101));
    expect(f.signs.length).toBeLessThanOrEqual(Math.ceil(150 / 16) + 4);
  });

  it('signs every part with the digest of its own bytes and sends that digest with it', async () => {
    const f = fake();
    const bytes = new Uint8Array(95).map((_, i) => i);
    const s = new UploadScheduler(new Blob([bytes]), 10, 10, [], f.transport, noWait);
    expect(await s.run()).toBe('completed');
    for (let n = 1; n <= 10; n++) {
      const part = bytes.slice((n - 1) * 10, n * 10);
      const want = `md5:${part.length}:${part.reduce((a, b) => a + b, 0)}`;
      expect(f.signedDigests.get(n)).toBe(want);
      const k = f.puts.findIndex((u) => u.includes(`partNumber=${n}&`));
      expect(f.headers[k]).toEqual({ 'Content-MD5': want });
    }
  });

  it('resumes from the parts storage holds, sending only the others', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(45), 10, 5, [], f.transport, noWait);
    s.resumeFrom([
      { part_number: 1, etag: '"held-1"', size: 10 },
      { part_number: 2, etag: '"held-2"', size: 7 }, // short: sent again
      { part_number: 5, etag: '"held-5"', size: 5 },
    ]);
    expect(s.progress).toMatchObject({ loaded: 15, partsDone: 2 });
    expect(await s.run()).toBe('completed');
    expect(f.signs).toEqual([[2, 3, 4]]);
    expect(f.puts.map((u) => new URL(u).searchParams.get('partNumber'))).toEqual(['2', '3', '4']);
    expect(f.completed?.map((p) => p.etag)).toEqual(['"held-1"', '"etag-2"', '"etag-3"', '"etag-4"', '"held-5"']);
  });

  it('pauses (aborting the parts in flight) and goes on from there', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(100), 10, 10, first(10), f.transport, noWait);
    let started = 0;
    f.onPut = () => {
      if (++started === 6) s.pause();
    };
    expect(await s.run()).toBe('paused');
    expect(s.running).toBe(false);
    const done = s.progress.partsDone;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(10);
    expect(s.progress.loaded).toBe(done * 10); // nothing half-counted
    expect(f.completed).toBeNull();
    f.onPut = undefined;
    const before = f.puts.length;
    expect(await s.run()).toBe('completed');
    expect(f.puts.length - before).toBe(10 - done);
    expect(f.completed).toHaveLength(10);
  });

  it('refuses to run twice at once', async () => {
    const f = fake();
    const s = new UploadScheduler(blob(10), 10, 1, first(1), f.transport, noWait);
    const p = s.run();
    await expect(s.run()).rejects.toThrow(/already running/);
    await p;
  });
});
