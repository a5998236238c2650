// The player of every page that shows a video (the owner's page, the public
// and share-link pages, the embed): the video's HLS stream (HlsPlayer) as
// soon as it can be watched, while it may still be processing; a video made
// before HLS (ready, no playback URL) plays its progressive MP4 renditions,
// one at a time, with a quality selector that keeps the position.
//
// Pre-signed URLs expire (an owner's after PLAYBACK_URL_TTL, a stranger's
// after PUBLIC_PLAYBACK_URL_TTL). The HLS player keeps the first playback URL
// it is given: later answers carry freshly signed URLs for the same stream,
// and swapping them in would restart it. A new URL is taken only when the
// player says its URL stopped working; it then starts where it was. The MP4
// player asks for the video again on a media error and carries on where it
// was. Either asks at most every 30 s.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { PublicVideo, Rendition } from '../api/types';
import { bytes, duration } from './format';
import { HlsPlayer } from './HlsPlayer';

/** Renditions best first; the default is the best that is at most 720p. */
export function qualities(v: PublicVideo): Rendition[] {
  return [...v.renditions].filter((r) => r.url).sort((a, b) => Math.min(b.width, b.height) - Math.min(a.width, a.height));
}

export function defaultQuality(rs: Rendition[]): string | null {
  const ok = rs.find((r) => Math.min(r.width, r.height) <= 720);
  return (ok ?? rs[rs.length - 1])?.name ?? null;
}

/** Whether a player can be shown: an HLS stream, or (older videos) MP4 renditions. */
export function watchable(v: PublicVideo): boolean {
  return !!v.playback?.hls || (v.status === 'ready' && v.renditions.some((r) => r.url));
}

interface Props {
  video: PublicVideo;
  /** fetches the video again (fresh URLs) */
  reload: () => Promise<PublicVideo | null>;
  /** the quality selector's details under the picture (not in an embed) */
  bar?: boolean;
}

const RENEW_EVERY_MS = 30_000;

export function Player({ video, reload, bar = true }: Props) {
  const hls = video.playback?.hls ?? null;
  const [src, setSrc] = useState<string | null>(hls);
  const lastRenew = useRef(0);

  // the first URL is kept (see above)
  useEffect(() => {
    if (hls) setSrc((s) => s ?? hls);
  }, [hls]);

  const renew = useCallback(async () => {
    if (Date.now() - lastRenew.current < RENEW_EVERY_MS) return;
    lastRenew.current = Date.now();
    const v = await reload();
    if (v?.playback?.hls) setSrc(v.playback.hls);
  }, [reload]);

  const info = bar ? (
    <span className="sub">
      {duration(video.duration_seconds)}
      {video.width && video.height ? ` · source ${video.width}×${video.height}` : ''}
    </span>
  ) : null;

  if (src)
    return (
      <HlsPlayer src={src} title={video.title} poster={video.thumbnail_url ?? undefined} onExpired={() => void renew()}>
        {info}
      </HlsPlayer>
    );
  return (
    <ProgressivePlayer video={video} reload={renew} bar={bar}>
      {info}
    </ProgressivePlayer>
  );
}

/** A video without HLS: one MP4 rendition at a time, the position kept across a switch. */
function ProgressivePlayer({
  video,
  reload,
  bar,
  children,
}: {
  video: PublicVideo;
  reload: () => Promise<void>;
  bar: boolean;
  children: ReactNode;
}) {
  const [quality, setQuality] = useState<string | null>(null);
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef<{ time: number; play: boolean } | null>(null);

  const list = qualities(video);
  const current = list.find((r) => r.name === quality) ?? list.find((r) => r.name === defaultQuality(list));
  if (!current?.url) return null;

  const choose = (name: string) => {
    const el = ref.current;
    if (el) resumeAt.current = { time: el.currentTime, play: !el.paused };
    setQuality(name);
  };

  const onLoaded = () => {
    const el = ref.current;
    const at = resumeAt.current;
    resumeAt.current = null;
    if (!el || !at) return;
    el.currentTime = at.time;
    if (at.play) el.play().catch(() => undefined);
  };

  const onMediaError = async () => {
    const el = ref.current;
    if (el && !resumeAt.current) resumeAt.current = { time: el.currentTime, play: false };
    await reload();
  };

  return (
    <>
      <video
        ref={ref}
        className="player"
        src={current.url}
        poster={video.thumbnail_url ?? undefined}
        controls
        playsInline
        preload="metadata"
        onLoadedMetadata={onLoaded}
        onError={onMediaError}
        aria-label={`${video.title}, ${current.name}`}
      />
      {bar && (
        <div className="player-bar">
          <label htmlFor="quality">Quality</label>
          <select id="quality" value={current.name} onChange={(e) => choose(e.target.value)}>
            {list.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name} ({r.width}×{r.height}, {bytes(r.size)})
              </option>
            ))}
          </select>
          {children}
        </div>
      )}
    </>
  );
}

/** The MP4 renditions as download links (a ready video's page). */
export function Downloads({ video }: { video: PublicVideo }) {
  const list = qualities(video);
  if (video.status !== 'ready' || list.length === 0) return null;
  return (
    <p className="downloads">
      Download:{' '}
      {list.map((r, i) => (
        <span key={r.name}>
          {i > 0 && ' · '}
          <a href={r.url ?? undefined} download>
            {r.name}
          </a>{' '}
          ({bytes(r.size)})
        </span>
      ))}
    </p>
  );
}
