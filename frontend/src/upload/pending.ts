// Unfinished uploads remembered across reloads: only what is needed to ask
// the API for the upload again and to recognise the same file when the user
// picks it. No token, no URL. One list per user, in localStorage.

export interface PendingUpload {
  uploadId: string;
  videoId: string;
  name: string;
  size: number;
  lastModified: number;
  startedAt: string;
}

const key = (userId: string) => `vidpipe.uploads.${userId}`;

export function loadPending(userId: string): PendingUpload[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? '[]');
    return Array.isArray(v)
      ? v.filter((p): p is PendingUpload => !!p && typeof p.uploadId === 'string' && typeof p.size === 'number')
      : [];
  } catch {
    return [];
  }
}

function save(userId: string, list: PendingUpload[]): void {
  try {
    if (list.length) localStorage.setItem(key(userId), JSON.stringify(list));
    else localStorage.removeItem(key(userId));
  } catch {
    /* storage full or blocked: resuming after a reload is then not offered */
  }
}

/** Adds p; answers the list as now stored. */
export function rememberPending(userId: string, p: PendingUpload): PendingUpload[] {
  const list = [...loadPending(userId).filter((q) => q.uploadId !== p.uploadId), p];
  save(userId, list);
  return list;
}

/** Drops one upload; answers the list as now stored. */
export function forgetPending(userId: string, uploadId: string): PendingUpload[] {
  const list = loadPending(userId).filter((q) => q.uploadId !== uploadId);
  save(userId, list);
  return list;
}

/** Is `file` the file this upload was started with? */
export function sameFile(p: PendingUpload, file: File): boolean {
  return file.size === p.size && file.name === p.name && file.lastModified === p.lastModified;
}
