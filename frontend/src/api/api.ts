// The API's routes as typed calls, all through the one AuthClient.
import type { AuthClient } from './auth';
import type {
  CreatedLink, CreatedUpload, DeviceSession, PartDigest, PartUrl, ShareLink, UploadState, Video, Visibility,
} from './types';

const id = (s: string) => encodeURIComponent(s);

export function makeApi(auth: AuthClient) {
  return {
    sessions: () => auth.json<{ sessions: DeviceSession[] }>('/auth/sessions'),
    revokeSession: (sid: string) => auth.json<void>(`/auth/sessions/${id(sid)}`, { method: 'DELETE' }),

    createUpload: (body: { filename: string; size: number; content_type: string; title?: string }) =>
      auth.json<{ upload: CreatedUpload }>('/uploads', { method: 'POST', body }),
    /** URLs that bind each part's length and digest */
    signParts: (uploadId: string, parts: PartDigest[], signal?: AbortSignal) =>
      auth.json<{ parts: PartUrl[] }>(`/uploads/${id(uploadId)}/parts`, {
        method: 'POST',
        body: { parts },
        signal,
      }),
    getUpload: (uploadId: string) => auth.json<{ upload: UploadState }>(`/uploads/${id(uploadId)}`),
    completeUpload: (uploadId: string, parts: { part_number: number; etag: string }[], signal?: AbortSignal) =>
      auth.json<{ video: { id: string; status: string } }>(`/uploads/${id(uploadId)}/complete`, {
        method: 'POST',
        body: { parts },
        signal,
      }),
    abortUpload: (uploadId: string) => auth.json<void>(`/uploads/${id(uploadId)}`, { method: 'DELETE' }),

    videos: (limit = 20, cursor?: string | null) =>
      auth.json<{ videos: Video[]; next_cursor: string | null }>(
        `/videos?limit=${limit}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''),
      ),
    video: (vid: string) => auth.json<{ video: Video }>(`/videos/${id(vid)}`),
    renameVideo: (vid: string, title: string) =>
      auth.json<{ video: Video }>(`/videos/${id(vid)}`, { method: 'PATCH', body: { title } }),
    deleteVideo: (vid: string) => auth.json<void>(`/videos/${id(vid)}`, { method: 'DELETE' }),
    setVisibility: (vid: string, visibility: Visibility) =>
      auth.json<{ video: Video }>(`/videos/${id(vid)}`, { method: 'PATCH', body: { visibility } }),

    links: (vid: string) => auth.json<{ links: ShareLink[] }>(`/videos/${id(vid)}/links`),
    /** expiresIn: seconds (60..31536000), or null for a link that never expires */
    createLink: (vid: string, expiresIn: number | null) =>
      auth.json<{ link: CreatedLink }>(`/videos/${id(vid)}/links`, {
        method: 'POST',
        body: expiresIn === null ? {} : { expires_in: expiresIn },
      }),
    revokeLink: (vid: string, linkId: string) =>
      auth.json<void>(`/videos/${id(vid)}/links/${id(linkId)}`, { method: 'DELETE' }),
  };
}

export type Api = ReturnType<typeof makeApi>;
