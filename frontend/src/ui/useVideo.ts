// useVideo: one video, fetched by the caller's function, and fetched again
// while it is on its way to ready (1 s, growing by half to 8 s) so a page
// shows it the moment it can play. `reload` fetches it once more (fresh
// pre-signed URLs after a media error). A 404 is `missing`: the page says
// so in its own words.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../api/errors';
import type { VideoStatus } from '../api/types';

export interface VideoState<V> {
  video: V | null;
  error: { text: string; missing: boolean } | null;
  reload: () => Promise<V | null>;
}

const inFlight = (s: VideoStatus) => s === 'uploading' || s === 'queued' || s === 'processing';

/** fetchVideo must be stable (useCallback) for the key it stands for. */
export function useVideo<V extends { status: VideoStatus }>(fetchVideo: () => Promise<V>): VideoState<V> {
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
      if (v && inFlight(v.status)) {
        t = setTimeout(tick, wait);
        wait = Math.min(8000, wait * 1.5);
      }
    };
    void tick();
    return () => {
      alive.current = false;
      clearTimeout(t);
    };
  }, [reload]);

  return { video, error, reload };
}
