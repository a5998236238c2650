// The shapes the API answers (../shared/api.md is the contract).

export interface User {
  id: string;
  email: string;
  created_at: string;
}

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: User;
}

export interface DeviceSession {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

export interface PartUrl {
  part_number: number;
  url: string;
  /** the exact bytes the URL takes (its Content-Length is signed) */
  size?: number;
  /** headers the PUT must carry as given (Content-MD5 when a digest was signed) */
  headers?: Record<string, string>;
}

/** A part to sign with its digest: base64 of its MD5, as Content-MD5 has it. */
export interface PartDigest {
  part_number: number;
  md5: string;
}

export interface HeldPart {
  part_number: number;
  etag: string;
  size: number;
}

export interface CreatedUpload {
  id: string;
  video_id: string;
  part_size: number;
  part_count: number;
  expires_at: string;
  parts: PartUrl[];
}

export type UploadStatus = 'active' | 'completed' | 'aborted' | 'expired';

export interface UploadState {
  id: string;
  video_id: string;
  status: UploadStatus;
  size: number;
  part_size: number;
  part_count: number;
  expires_at: string;
  parts: HeldPart[];
}

export type VideoStatus = 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';

export interface Rendition {
  name: string;
  width: number;
  height: number;
  bitrate: number;
  size: number;
  url: string | null;
}

/** Who may watch: only the owner, anyone with the id (not listed), or anyone (listed). */
export type Visibility = 'private' | 'unlisted' | 'public';
/**
 * How to watch a video over HLS: `hls` is the master playlist URL (signed,
 * no header or cookie needed, expires after PLAYBACK_URL_TTL), set as soon as
 * every rung has its first segment, while the video may still be processing;
 * `complete` once the playlist is final (the video is ready).
 */
export interface Playback {
  hls: string | null;
  complete: boolean;
}

export interface Video {
  id: string;
  title: string;
  status: VideoStatus;
  visibility: Visibility;
  progress: number;
  error: string | null;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  size: number;
  created_at: string;
  updated_at: string;
  thumbnail_url: string | null;
  renditions: Rendition[];
  playback: Playback;
}

/** What a stranger sees of a video: no error, size or progress, nothing of its owner. */
export type PublicVideo = Omit<Video, 'error' | 'size' | 'progress'>;

/** A share link as its owner lists it: the token is shown only when it is created. */
export interface ShareLink {
  id: string;
  created_at: string;
  expires_at: string | null;
}

export interface CreatedLink extends ShareLink {
  token: string;
  /** the web app's /s/{token} */
  url: string;
}
