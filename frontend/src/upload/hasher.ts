// digestPart: a part's Content-MD5, computed off the page's thread by a
// small pool of workers (two: the scheduler hashes a batch of parts ahead
// of their upload). Where workers cannot start, it hashes on the page.
import { md5Base64 } from './md5';

export type Digest = (body: Blob, signal: AbortSignal) => Promise<string>;

const POOL = 2;

interface Pending {
  resolve: (md5: string) => void;
  reject: (e: unknown) => void;
}

let workers: Worker[] | null = null;
let next = 0;
let seq = 0;
const pending = new Map<number, Pending>();

function pool(): Worker[] {
  if (workers) return workers;
  workers = [];
  try {
    for (let i = 0; i < POOL; i++) {
      const w = new Worker(new URL('./md5.worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (e: MessageEvent<{ id: number; md5?: string; error?: string }>) => {
        const p = pending.get(e.data.id);
        pending.delete(e.data.id);
        if (e.data.md5) p?.resolve(e.data.md5);
        else p?.reject(new Error(e.data.error ?? 'hashing failed'));
      };
      workers.push(w);
    }
  } catch {
    workers = []; // no workers here: hash on the page
  }
  return workers;
}

export const digestPart: Digest = async (body, signal) => {
  signal.throwIfAborted();
  const ws = typeof Worker === 'undefined' ? [] : pool();
  if (ws.length === 0) return md5Base64(await body.arrayBuffer());
  const id = ++seq;
  const w = ws[next++ % ws.length]!;
  return new Promise<string>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, blob: body });
  });
};
