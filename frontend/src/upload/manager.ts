// UploadManager: every upload of this tab, whatever page is shown. It owns
// one UploadScheduler per file, remembers unfinished uploads for a reload
// (pending.ts), and publishes an immutable snapshot for React
// (useSyncExternalStore). Progress is published at most every 150 ms.
// Files run two at a time (each with its own parts in flight); the others
// wait their turn without an upload created for them yet, so dropping many
// files neither floods the connection nor meets MAX_ACTIVE_UPLOADS at once.
import type { Api } from '../api/api';
import { ApiError, errorText } from '../api/errors';
import { RateMeter } from './rate';
import { forgetPending, loadPending, rememberPending, sameFile, type PendingUpload } from './pending';
import { UploadScheduler, type SchedulerOptions } from './scheduler';
import { digestPart } from './hasher';
import { putPart } from './xhr';

export type UploadItemState =
  | 'waiting'
  | 'starting'
  | 'uploading'
  | 'paused'
  | 'completing'
  | 'done'
  | 'failed'
  | 'cancelling'
  | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  state: UploadItemState;
  loaded: number;
  speed: number | null; // bytes/s
  eta: number | null; // s
  error: string | null;
  uploadId: string | null;
  videoId: string | null;
}

interface Entry {
  item: UploadItem;
  file: File | null; // until its turn comes
  scheduler: UploadScheduler | null;
  meter: RateMeter;
  cancel: boolean;
}

const TYPES: Record<string, string> = {
  mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm',
  mkv: 'video/x-matroska', avi: 'video/x-msvideo', mpg: 'video/mpeg', mpeg: 'video/mpeg',
  ts: 'video/mp2t', '3gp': 'video/3gpp', ogv: 'video/ogg', wmv: 'video/x-ms-wmv', flv: 'video/x-flv',
};

/** The file's type, or one guessed from its extension (browsers leave some empty). */
export function contentTypeOf(file: { name: string; type: string }): string {
  if (file.type) return file.type;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return TYPES[ext] ?? 'application/octet-stream';
}

export function titleOf(name: string): string {
  const t = name.replace(/\.[^.]+$/, '').trim();
  return t || name;
}

let seq = 0;

/** files uploading at the same time */
const FILES_AT_ONCE = 2;
const RUNNING: UploadItemState[] = ['starting', 'uploading', 'completing', 'cancelling'];

export class UploadManager {
  private entries: Entry[] = [];
  private snapshot: UploadItem[] = [];
  private stored: PendingUpload[]; // what localStorage holds
  private pendingSnapshot: PendingUpload[] = []; // stored, less those running here
  private checked = false;
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: Api,
    private readonly userId: string,
    private readonly onVideosChanged: () => void,
    private readonly schedulerOptions: SchedulerOptions = {},
  ) {
    this.stored = loadPending(userId);
    this.publish();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getItems = (): UploadItem[] => this.snapshot;
  getPending = (): PendingUpload[] => this.pendingSnapshot;

  get busy(): boolean {
    return this.entries.some((e) => e.item.state === 'waiting' || RUNNING.includes(e.item.state));
  }

  /** Drops remembered uploads the API no longer holds open (once per sign-in). */
  async checkPending(): Promise<void> {
    if (this.checked) return;
    this.checked = true;
    for (const p of this.stored) {
      try {
        const { upload } = await this.api.getUpload(p.uploadId);
        if (upload.status !== 'active') this.forget(p.uploadId);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) this.forget(p.uploadId);
      }
    }
  }

  add(files: File[]): void {
    for (const file of files) {
      const entry = this.newEntry(file.name, file.size, 'waiting');
      entry.file = file;
    }
    this.pump();
  }

  /** Starts waiting files, oldest first, while fewer than FILES_AT_ONCE run. */
  private pump(): void {
    let running = this.entries.filter((e) => RUNNING.includes(e.item.state)).length;
    for (const e of [...this.entries].reverse()) {
      if (running >= FILES_AT_ONCE) break;
      if (e.item.state !== 'waiting' || !e.file) continue;
      const file = e.file;
      e.file = null;
      running++;
      this.set(e, { state: 'starting' });
      void this.start(e, file).finally(() => this.pump());
    }
  }

  /** Pauses everything (on sign-out): unfinished uploads stay resumable. */
  pauseAll(): void {
    for (const e of this.entries) e.scheduler?.pause();
  }

  pause(key: string): void {
    this.find(key)?.scheduler?.pause();
  }

  resume(key: string): void {
    const e = this.find(key);
    if (e?.scheduler && (e.item.state === 'paused' || e.item.state === 'failed')) {
      void this.drive(e).finally(() => this.pump());
    }
  }

  async cancel(key: string): Promise<void> {
    const e = this.find(key);
    if (!e || e.item.state === 'done' || e.item.state === 'cancelled' || e.item.state === 'cancelling') return;
    if (e.item.state === 'waiting') {
      e.file = null;
      this.set(e, { state: 'cancelled' });
      return;
    }
    e.cancel = true;
    const wasRunning = e.scheduler?.running;
    this.set(e, { state: 'cancelling' });
    e.scheduler?.pause();
    if (!wasRunning) await this.abortRemote(e);
  }

  dismiss(key: string): void {
    const e = this.find(key);
    if (!e || !['done', 'cancelled', 'failed'].includes(e.item.state)) return;
    this.entries = this.entries.filter((x) => x !== e);
    this.publish();
  }

  /** Goes on with an upload started before a reload, from the parts storage holds. */
  async resumePending(p: PendingUpload, file: File): Promise<void> {
    if (!sameFile(p, file)) {
      throw new Error(`That is not the file this upload started with (${p.name}, ${p.size} bytes).`);
    }
    // while it runs here, the entry stands for it (publish() hides it from the list)
    const entry = this.newEntry(file.name, file.size, 'starting');
    this.set(entry, { uploadId: p.uploadId, videoId: p.videoId });
    try {
      const { upload } = await this.api.getUpload(p.uploadId);
      if (upload.status !== 'active') {
        this.forget(p.uploadId);
        throw new Error(`This upload is ${upload.status}; start it again.`);
      }
      entry.scheduler = this.scheduler(file, upload.id, upload.part_size, upload.part_count, []);
      entry.scheduler.resumeFrom(upload.parts);
      await this.drive(entry);
    } catch (e) {
      this.set(entry, { state: 'failed', error: errorText(e) });
    }
  }

  async discardPending(p: PendingUpload): Promise<void> {
    try {
      await this.api.abortUpload(p.uploadId);
      await this.api.deleteVideo(p.videoId);
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 404 || e.status === 409))) throw e;
    }
    this.forget(p.uploadId);
    this.onVideosChanged();
  }

  // ---------------------------------------------------------------------

  private newEntry(name: string, size: number, state: UploadItemState): Entry {
    const entry: Entry = {
      file: null,
      item: {
        key: `u${++seq}`, name, size, state, loaded: 0, speed: null, eta: null,
        error: null, uploadId: null, videoId: null,
      },
      scheduler: null,
      meter: new RateMeter(),
      cancel: false,
    };
    this.entries = [entry, ...this.entries];
    this.publish();
    return entry;
  }

  private async start(entry: Entry, file: File): Promise<void> {
    try {
      const { upload } = await this.api.createUpload({
        filename: file.name,
        size: file.size,
        content_type: contentTypeOf(file),
        title: titleOf(file.name),
      });
      this.set(entry, { uploadId: upload.id, videoId: upload.video_id });
      this.stored = rememberPending(this.userId, {
        uploadId: upload.id, videoId: upload.video_id, name: file.name, size: file.size,
        lastModified: file.lastModified, startedAt: new Date().toISOString(),
      });
      this.onVideosChanged();
      // the create answer's URLs bind no digest: every part is signed with its own
      entry.scheduler = this.scheduler(file, upload.id, upload.part_size, upload.part_count, []);
      if (entry.cancel) return void (await this.abortRemote(entry));
      await this.drive(entry);
    } catch (e) {
      this.set(entry, { state: 'failed', error: errorText(e) });
    }
  }

  private scheduler(file: File, uploadId: string, partSize: number, partCount: number,
    urls: { part_number: number; url: string }[]): UploadScheduler {
    return new UploadScheduler(file, partSize, partCount, urls, {
      digest: digestPart,
      sign: async (parts, signal) => (await this.api.signParts(uploadId, parts, signal)).parts,
      put: putPart,
      complete: async (parts, signal) => {
        await this.api.completeUpload(uploadId, parts, signal);
      },
    }, this.schedulerOptions);
  }

  private async drive(entry: Entry): Promise<void> {
    const s = entry.scheduler!;
    entry.meter.reset();
    this.set(entry, { state: 'uploading', error: null, loaded: s.progress.loaded });
    const off = s.onProgress((p) => {
      entry.meter.add(performance.now(), p.loaded);
      entry.item = {
        ...entry.item,
        loaded: p.loaded,
        speed: entry.meter.speed(),
        eta: entry.meter.eta(p.total),
        state: p.partsDone === p.partCount && entry.item.state === 'uploading' ? 'completing' : entry.item.state,
      };
      this.publishSoon();
    });
    try {
      const r = await s.run();
      if (entry.cancel) return void (await this.abortRemote(entry));
      if (r === 'paused') {
        this.set(entry, { state: 'paused', speed: null, eta: null });
        return;
      }
      this.forget(entry.item.uploadId!);
      this.set(entry, { state: 'done', loaded: entry.item.size, speed: null, eta: null });
      this.onVideosChanged();
    } catch (e) {
      if (entry.cancel) return void (await this.abortRemote(entry));
      // an upload the API no longer holds open cannot be resumed later
      if (e instanceof ApiError && (e.status === 404 || e.status === 409)) this.forget(entry.item.uploadId!);
      this.set(entry, { state: 'failed', speed: null, eta: null, error: errorText(e) });
    } finally {
      off();
    }
  }

  /** Cancel: abort the storage upload, then delete the video it was for. */
  private async abortRemote(entry: Entry): Promise<void> {
    const { uploadId, videoId } = entry.item;
    try {
      if (uploadId) await this.api.abortUpload(uploadId);
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 404 || e.status === 409))) {
        this.set(entry, { state: 'failed', error: `Cancelling failed: ${errorText(e)}` });
        entry.cancel = false;
        return;
      }
    }
    try {
      if (videoId) await this.api.deleteVideo(videoId);
    } catch {
      /* the video stays, marked failed ("cancelled") by the API */
    }
    if (uploadId) this.forget(uploadId);
    this.set(entry, { state: 'cancelled', speed: null, eta: null });
    this.onVideosChanged();
  }

  private find(key: string): Entry | undefined {
    return this.entries.find((e) => e.item.key === key);
  }

  private set(entry: Entry, patch: Partial<UploadItem>): void {
    entry.item = { ...entry.item, ...patch };
    this.publish();
  }

  private forget(uploadId: string): void {
    this.stored = forgetPending(this.userId, uploadId);
    this.publish();
  }

  private publishSoon(): void {
    if (!this.timer) this.timer = setTimeout(() => this.publish(), 150);
  }

  private publish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.snapshot = this.entries.map((e) => e.item);
    const live = new Set(this.snapshot.map((i) => i.uploadId));
    const pending = this.stored.filter((p) => !live.has(p.uploadId));
    // a new array only when it changed: useSyncExternalStore compares by identity
    if (pending.length !== this.pendingSnapshot.length || pending.some((p, k) => p !== this.pendingSnapshot[k])) {
      this.pendingSnapshot = pending;
    }
    for (const fn of this.listeners) fn();
  }
}
