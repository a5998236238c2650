// useVideo: one video, fetched by the caller's function, and fetched again
// until its playback is final (quality.ts: pollDelay): every half second
// while it cannot be watched yet, so a page shows the player the moment the
// first segments exist, then at a calmer pace while it plays and is still
// processing. `patient` pages (the anonymous ones, whose allowance is
// RATE_LIMIT_PUBLIC per client IP) wait at least 1 s, growing by half to
// 8 s. `reload` fetches it once more (fresh pre-signed URLs after a media
// error). A 404 is `missing`: the page says so in its own words.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/errors';
import type { Playback, VideoStatus } from '../api/types';
import { pollDelay } from './quality';

export interface VideoState<V> {
  video: V | null;
  error: { text: string; missing: boolean } | null;
  reload: () => Promise<V | null>;
}

/** fetchVideo must be stable (useCallback) for the key it stands for. */
export function useVideo<V extends { status: VideoStatus; playback?: Playback }>(
  fetchVideo: () => Promise<V>,
  { patient = false }: { patient?: boolean } = {},
): VideoState<V> {
  const [video, setVideo] = useState<V | null>(null);
  const [error, setError] = useState<VideoState<V>['error']>(null);
  const alive = useRef(true);

  const reload = useCallback(async () => {
    try {
      const v = await fetchVideo();
      if (alive.current) {
        setVideo(v);
        setError(null);
      }
      return v;
    } catch (e) {
      if (alive.current) {
        const missing = e instanceof ApiError && e.status === 404;
        if (missing) setVideo(null);
        setError({ text: errorText(e), missing });
      }
      return null;
    }
  }, [fetchVideo]);

  useEffect(() => {
    alive.current = true;
    let t: ReturnType<typeof setTimeout>;
    let wait = 1000;
    const tick = async () => {
      const v = await reload();
      if (!alive.current) return;
      const next = v ? pollDelay(v.status, !!v.playback?.hls, !!v.playback?.complete) : null;
      if (next !== null) {
        t = setTimeout(tick, patient ? Math.max(next, wait) : next);
        wait = Math.min(8000, wait * 1.5);
      }
    };
    void tick();
    return () => {
      alive.current = false;
      clearTimeout(t);
    };
  }, [reload, patient]);

  return { video, error, reload };
}
