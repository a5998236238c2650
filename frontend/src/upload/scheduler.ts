// UploadScheduler: sends one file's parts straight to storage.
//
// - The file is cut as the API dictates (splitParts); the parts storage
//   already holds (resumeFrom, from GET /uploads/{id}) are not sent again.
// - At most `concurrency` parts are in flight (4 by default): a fixed pool
//   of workers takes parts off one queue in order.
// - Every part is signed with its MD5 (transport.digest, off the page's
//   thread), so its URL binds both its length and its bytes: storage
//   refuses a part that changed on the way. Signing hashes and asks for up
//   to SIGN_BATCH parts at once (the ones next in line), so hashing runs
//   only a little ahead of sending; concurrent needs share one request.
// - A part that fails is retried after an exponential backoff with jitter,
//   `retries` times. A 403 from storage means the URL expired or its
//   signature no longer holds: the URL is dropped and the part signed again.
//   A URL about to expire is re-signed before it is used.
// - pause() aborts the parts in flight (their bytes are counted again from
//   zero) and run() resolves "paused"; run() again goes on from there.
// - When every part has its ETag, complete() is called with them in order.
// The transport (HTTP) is passed in, so the tests drive it without a network.
import type { HeldPart, PartDigest, PartUrl } from '../api/types';
import { keptParts, splitParts, urlExpiry, type PartSpec } from './parts';

/** A failed part upload; status 0 when there was no answer at all. */
export class PutError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'PutError';
  }
}

export interface PartTransport {
  /** base64 of the MD5 of a part's bytes */
  digest(body: Blob, signal: AbortSignal): Promise<string>;
  sign(parts: PartDigest[], signal: AbortSignal): Promise<PartUrl[]>;
  put(
    url: string,
    body: Blob,
    headers: Record<string, string>,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<string>;
  complete(parts: { part_number: number; etag: string }[], signal: AbortSignal): Promise<void>;
}

export interface SchedulerOptions {
  concurrency?: number;
  retries?: number;
  backoff?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  /** re-sign a URL this long before it expires (ms) */
  expiryMargin?: number;
}

export interface UploadProgress {
  loaded: number;
  total: number;
  partsDone: number;
  partCount: number;
}

export type RunResult = 'completed' | 'paused';

/** parts hashed and signed per request: enough to keep the default 4 in
 * flight for a while, few enough that hashing stays just ahead of sending */
const SIGN_BATCH = 16;

function defaultBackoff(attempt: number): number {
  const base = Math.min(15000, 500 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Worth another try: no answer, a 403 (re-signed first), or a server-side hiccup. */
function retryable(status: number): boolean {
  return status === 0 || status === 403 || status === 408 || status === 429 || status >= 500;
}

function statusOf(e: unknown): number {
  if (e && typeof e === 'object' && 'status' in e && typeof e.status === 'number') return e.status;
  return 0;
}

export class UploadScheduler {
  readonly parts: PartSpec[];

  private readonly etags = new Map<number, string>();
  private readonly urls = new Map<number, PartUrl>();
  private readonly digests = new Map<number, string>();
  private readonly inflight = new Map<number, number>();
  private readonly listeners = new Set<(p: UploadProgress) => void>();
  private controller: AbortController | null = null;
  private signing: Promise<void> | null = null;
  private readonly o: Required<SchedulerOptions>;

  constructor(
    private readonly file: Blob,
    partSize: number,
    partCount: number,
    urls: PartUrl[],
    private readonly transport: PartTransport,
    opts: SchedulerOptions = {},
  ) {
    this.parts = splitParts(file.size, partSize, partCount);
    for (const u of urls) this.urls.set(u.part_number, u);
    this.o = {
      concurrency: opts.concurrency ?? 4,
      retries: opts.retries ?? 5,
      backoff: opts.backoff ?? defaultBackoff,
      sleep: opts.sleep ?? abortableSleep,
      now: opts.now ?? Date.now,
      expiryMargin: opts.expiryMargin ?? 60_000,
    };
  }

  /** Keeps the parts storage already holds (GET /uploads/{id}). */
  resumeFrom(held: HeldPart[]): void {
    for (const [n, etag] of keptParts(this.parts, held)) this.etags.set(n, etag);
    this.emit();
  }

  get running(): boolean {
    return this.controller !== null;
  }

  get progress(): UploadProgress {
    let loaded = 0;
    for (const p of this.parts) if (this.etags.has(p.partNumber)) loaded += p.end - p.start;
    for (const b of this.inflight.values()) loaded += b;
    return { loaded, total: this.file.size, partsDone: this.etags.size, partCount: this.parts.length };
  }

  onProgress(fn: (p: UploadProgress) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  pause(): void {
    this.controller?.abort(new DOMException('paused', 'AbortError'));
  }

  async run(): Promise<RunResult> {
    if (this.controller) throw new Error('this upload is already running');
    const ctl = new AbortController();
    this.controller = ctl;
    const queue = this.parts.filter((p) => !this.etags.has(p.partNumber));
    let failure: { error: unknown } | null = null;

    const worker = async () => {
      for (let p = queue.shift(); p && !ctl.signal.aborted; p = queue.shift()) {
        try {
          await this.sendPart(p, ctl.signal);
        } catch (error) {
          if (!ctl.signal.aborted) {
            failure = { error };
            ctl.abort(new DOMException('a part failed', 'AbortError'));
          }
          return;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, worker));
      if (failure) throw (failure as { error: unknown }).error;
      if (ctl.signal.aborted) return 'paused';
      const parts = this.parts.map((p) => ({ part_number: p.partNumber, etag: this.etags.get(p.partNumber)! }));
      await this.transport.complete(parts, ctl.signal);
      return 'completed';
    } finally {
      this.inflight.clear();
      this.controller = null;
      this.emit();
    }
  }

  private async sendPart(p: PartSpec, signal: AbortSignal): Promise<void> {
    const n = p.partNumber;
    for (let attempt = 0; ; attempt++) {
      try {
        const signed = await this.urlFor(n, signal);
        this.inflight.set(n, 0);
        const etag = await this.transport.put(
          signed.url,
          this.file.slice(p.start, p.end),
          signed.headers ?? {},
          (loaded) => {
            if (this.inflight.has(n)) {
              this.inflight.set(n, Math.min(loaded, p.end - p.start));
              this.emit();
            }
          },
          signal,
        );
        this.inflight.delete(n);
        this.etags.set(n, etag);
        this.emit();
        return;
      } catch (e) {
        this.inflight.delete(n);
        this.emit();
        if (signal.aborted) throw e;
        const status = statusOf(e);
        if (status === 403) this.urls.delete(n);
        if (!retryable(status) || attempt >= this.o.retries) throw e;
        await this.o.sleep(this.o.backoff(attempt + 1), signal);
      }
    }
  }

  private fresh(signed: PartUrl | undefined): signed is PartUrl {
    if (!signed) return false;
    const exp = urlExpiry(signed.url);
    return exp === null || exp - this.o.expiryMargin > this.o.now();
  }

  /** Part n's digest, computed once. */
  private async digestOf(n: number, signal: AbortSignal): Promise<PartDigest> {
    let md5 = this.digests.get(n);
    if (!md5) {
      const p = this.parts[n - 1]!;
      md5 = await this.transport.digest(this.file.slice(p.start, p.end), signal);
      this.digests.set(n, md5);
    }
    return { part_number: n, md5 };
  }

  /** A usable URL for part n, signing it (and the next ones that need it) when needed. */
  private async urlFor(n: number, signal: AbortSignal): Promise<PartUrl> {
    for (;;) {
      const url = this.urls.get(n);
      if (this.fresh(url)) return url;
      if (this.signing) {
        await this.signing;
        if (this.fresh(this.urls.get(n))) continue;
      }
      const batch = [n];
      for (const p of this.parts) {
        if (batch.length >= SIGN_BATCH) break;
        const m = p.partNumber;
        if (m !== n && !this.etags.has(m) && !this.inflight.has(m) && !this.fresh(this.urls.get(m))) batch.push(m);
      }
      const signing = Promise.all(batch.sort((a, b) => a - b).map((m) => this.digestOf(m, signal)))
        .then((digests) => this.transport.sign(digests, signal))
        .then((signed) => {
          for (const s of signed) this.urls.set(s.part_number, s);
        });
      this.signing = signing;
      try {
        await signing;
      } finally {
        if (this.signing === signing) this.signing = null;
      }
      const got = this.urls.get(n);
      if (!got) throw new Error(`the API signed no URL for part ${n}`);
      return got;
    }
  }

  private emit(): void {
    const p = this.progress;
    for (const fn of this.listeners) fn(p);
  }
}
