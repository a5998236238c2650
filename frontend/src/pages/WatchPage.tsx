// The owner's page of one video: the player (ui/Player) as soon as it can be
// watched — while it is still processing, under "Processing — you can start
// watching" — its downloads (the progressive MP4 renditions, once ready), and
// its state while it cannot be watched yet, asked for again until it can
// (ui/useVideo).
import { useCallback } from 'react';
import type { Video } from '../api/types';
import { api } from '../app';
import { Downloads, Player, watchable } from '../ui/Player';
import { Link, useTitle } from '../ui/router';
import { StatusBadge } from '../ui/StatusBadge';
import { useVideo } from '../ui/useVideo';

export function WatchPage({ id }: { id: string }) {
  const fetchVideo = useCallback(() => api.video(id).then((r) => r.video), [id]);
  const { video, error, reload } = useVideo<Video>(fetchVideo);
  useTitle(video?.title ?? 'Video');

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
      {watchable(video) ? (
        <>
          {video.status === 'processing' && (
            <p className="processing" role="status">
              Processing — you can start watching ({video.progress}% done)
            </p>
          )}
          <Player video={video} reload={reload} />
          <Downloads video={video} />
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
