// The player: an HTML5 video over one rendition at a time, a quality
// selector that keeps the position (and playing state) across a switch, and
// the video's state while it is not ready yet (polled until it is).
// Pre-signed URLs expire (PLAYBACK_URL_TTL): a media error fetches the video
// again, at most once a minute, and carries on where it was.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/errors';
import type { Rendition, Video } from '../api/types';
import { api } from '../app';
import { bytes, duration } from '../ui/format';
import { Link, useTitle } from '../ui/router';
import { StatusBadge } from '../ui/StatusBadge';

/** Renditions best first; the default is the best that is at most 720p. */
export function qualities(v: Video): Rendition[] {
  return [...v.renditions].filter((r) => r.url).sort((a, b) => Math.min(b.width, b.height) - Math.min(a.width, a.height));
}

export function defaultQuality(rs: Rendition[]): string | null {
  const ok = rs.find((r) => Math.min(r.width, r.height) <= 720);
  return (ok ?? rs[rs.length - 1])?.name ?? null;
}

export function WatchPage({ id }: { id: string }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [error, setError] = useState<{ text: string; missing: boolean } | null>(null);
  const [quality, setQuality] = useState<string | null>(null);
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef<{ time: number; play: boolean } | null>(null);
  const lastReload = useRef(0);
  useTitle(video?.title ?? 'Video');

  const load = useCallback(async () => {
    try {
      const r = await api.video(id);
      setVideo(r.video);
      setError(null);
      return r.video;
    } catch (e) {
      setError({ text: errorText(e), missing: e instanceof ApiError && e.status === 404 });
      return null;
    }
  }, [id]);

  useEffect(() => {
    let stop = false;
    let t: ReturnType<typeof setTimeout>;
    let wait = 1000;
    const tick = async () => {
      const v = await load();
      if (stop) return;
      if (v && (v.status === 'queued' || v.status === 'processing' || v.status === 'uploading')) {
        t = setTimeout(tick, wait);
        wait = Math.min(8000, wait * 1.5);
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [load]);

  const list = video ? qualities(video) : [];
  const current = list.find((r) => r.name === quality) ?? list.find((r) => r.name === defaultQuality(list));

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
    await load();
  };

  if (error && !video) {
    return (
      <section>
        <h1>{error.missing ? 'Video not found' : 'Could not load the video'}</h1>
        <p className="error" role="alert">
          {error.missing ? 'This video does not exist, or it was deleted.' : error.text}
        </p>
        <p>
          <Link href="/">Back to your library</Link>
        </p>
      </section>
    );
  }
  if (!video) return <p role="status">Loading…</p>;

  return (
    <section className="watch" aria-labelledby="watch-h">
      <p>
        <Link href="/">← Library</Link>
      </p>
      <h1 id="watch-h">{video.title}</h1>
      {video.status === 'ready' && current?.url ? (
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
        </>
      ) : (
        <div className="not-ready">
          <StatusBadge video={video} />
          <p className="hint">
            {video.status === 'failed'
              ? 'This video cannot be played.'
              : 'This video is not ready yet; this page updates by itself.'}
          </p>
        </div>
      )}
    </section>
  );
}
