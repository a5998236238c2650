// The player: an HTML5 video over one rendition at a time, a quality
// selector that keeps the position (and playing state) across a switch.
// Pre-signed URLs expire (an owner's after PLAYBACK_URL_TTL, a stranger's
// after PUBLIC_PLAYBACK_URL_TTL): a media error asks for the video again
// (reload, at most once a minute) and carries on where it was. Used by the
// owner's page, the public and share-link pages, and the embed player.
import { useRef, useState } from 'react';
import type { PublicVideo, Rendition } from '../api/types';
import { bytes, duration } from './format';

/** Renditions best first; the default is the best that is at most 720p. */
export function qualities(v: PublicVideo): Rendition[] {
  return [...v.renditions].filter((r) => r.url).sort((a, b) => Math.min(b.width, b.height) - Math.min(a.width, a.height));
}

export function defaultQuality(rs: Rendition[]): string | null {
  const ok = rs.find((r) => Math.min(r.width, r.height) <= 720);
  return (ok ?? rs[rs.length - 1])?.name ?? null;
}

interface Props {
  video: PublicVideo;
  /** fetches the video again (fresh URLs) */
  reload: () => Promise<unknown>;
  /** the quality selector and the details under the picture (not in an embed) */
  bar?: boolean;
}

export function Player({ video, reload, bar = true }: Props) {
  const [quality, setQuality] = useState<string | null>(null);
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef<{ time: number; play: boolean } | null>(null);
  const lastReload = useRef(0);

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
    if (!el || Date.now() - lastReload.current < 60_000) return;
    lastReload.current = Date.now();
    resumeAt.current = { time: el.currentTime, play: false };
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
          <span className="sub">
            {duration(video.duration_seconds)}
            {video.width && video.height ? ` · source ${video.width}×${video.height}` : ''}
          </span>
        </div>
      )}
    </>
  );
}
