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

export interface Video {
  id: string;
  title: string;
  status: VideoStatus;
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
}
