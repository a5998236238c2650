// The watch page: the video's HLS stream (HlsPlayer) as soon as it can be
// watched — while it is still processing, under "Processing — you can start
// watching" — its downloads (the progressive MP4 renditions, once ready),
// and its state while it cannot be watched yet, asked for again until it
// can (quality.ts: pollDelay).
//
// The player keeps the first playback URL it is given: later answers carry
// freshly signed URLs for the same stream, and swapping them in would restart
// it. A new URL is taken only when the player says its URL stopped working
// (it expired after PLAYBACK_URL_TTL); the player then starts where it was.
// A video made before HLS (ready, no playback URL) plays its MP4 renditions.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, errorText } from '../api/errors';
import type { Rendition, Video } from '../api/types';
import { api } from '../app';
import { bytes, duration } from '../ui/format';
import { HlsPlayer } from '../ui/HlsPlayer';
import { pollDelay } from '../ui/quality';
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
  const [playUrl, setPlayUrl] = useState<string | null>(null);
  const lastRenew = useRef(0);
  useTitle(video?.title ?? 'Video');

  const load = useCallback(async () => {
    try {
      const r = await api.video(id);
      setVideo(r.video);
      setError(null);
      // the first URL is kept (see above)
      if (r.video.playback?.hls) setPlayUrl((u) => u ?? r.video.playback.hls);
      return r.video;
    } catch (e) {
      setError({ text: errorText(e), missing: e instanceof ApiError && e.status === 404 });
      return null;
    }
  }, [id]);

  useEffect(() => {
    let stop = false;
    let t: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const v = await load();
      if (stop || !v) return;
      const wait = pollDelay(v.status, !!v.playback?.hls, !!v.playback?.complete);
      if (wait !== null) t = setTimeout(tick, wait);
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [load]);

  /** The player's URL expired: a new one, at most every 30 s. */
  const renew = useCallback(async () => {
    if (Date.now() - lastRenew.current < 30_000) return;
    lastRenew.current = Date.now();
    try {
      const r = await api.video(id);
      setVideo(r.video);
      if (r.video.playback?.hls) setPlayUrl(r.video.playback.hls);
    } catch (e) {
      setError({ text: errorText(e), missing: e instanceof ApiError && e.status === 404 });
    }
  }, [id]);

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

  const list = qualities(video);
  const info = (
    <span className="sub">
      {duration(video.duration_seconds)}
      {video.width && video.height ? ` · source ${video.width}×${video.height}` : ''}
    </span>
  );
  return (
    <section className="watch" aria-labelledby="watch-h">
      <p>
        <Link href="/">← Library</Link>
      </p>
      <h1 id="watch-h">{video.title}</h1>
      {playUrl ? (
        <>
          {video.status === 'processing' && (
            <p className="processing" role="status">
              Processing — you can start watching ({video.progress}% done)
            </p>
          )}
          <HlsPlayer src={playUrl} title={video.title} poster={video.thumbnail_url ?? undefined} onExpired={renew}>
            {info}
          </HlsPlayer>
          {video.status === 'ready' && list.length > 0 && (
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
          )}
        </>
      ) : video.status === 'ready' && list.length > 0 ? (
        <ProgressivePlayer video={video} list={list}>
          {info}
        </ProgressivePlayer>
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

/** A video without HLS: one MP4 rendition at a time, the position kept across a switch. */
function ProgressivePlayer({ video, list, children }: { video: Video; list: Rendition[]; children: ReactNode }) {
  const [quality, setQuality] = useState<string | null>(null);
  const ref = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef<{ time: number; play: boolean } | null>(null);
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
  if (!current?.url) return null;
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
        {children}
      </div>
    </>
  );
}
