// A video for anyone: its public page (/watch/{id}: public or unlisted) or
// the page of a share link (/s/{token}: any visibility). No account needed;
// the API answers 404 for every reason it will not show a video, and the
// page says so in the words that fit its kind. Under the player: the
// page's address and an embed snippet, to pass on.
import { useCallback } from 'react';
import type { PublicVideo } from '../api/types';
import { publicApi } from '../app';
import { embedSnippet, watchPath, type Target } from '../share/share';
import { CopyField } from '../ui/CopyField';
import { duration } from '../ui/format';
import { Downloads, Player, watchable } from '../ui/Player';
import { Link, useTitle } from '../ui/router';
import { useVideo } from '../ui/useVideo';

export function PublicWatchPage({ target }: { target: Target }) {
  const key = 'token' in target ? `s:${target.token}` : `v:${target.id}`;
  const fetchVideo = useCallback(
    () => ('token' in target ? publicApi.link(target.token) : publicApi.video(target.id)).then((r) => r.video),
    [key],
  );
  const { video, error, reload } = useVideo<PublicVideo>(fetchVideo, { patient: true });
  const byLink = 'token' in target;
  useTitle(video?.title ?? (error?.missing ? (byLink ? 'Link no longer valid' : 'Video not available') : 'Video'));

  if (error && !video) {
    return (
      <section aria-labelledby="gone-h">
        {!error.missing ? (
          <>
            <h1 id="gone-h">Could not load the video</h1>
            <p className="error" role="alert">
              {error.text}
            </p>
            <button type="button" onClick={() => void reload()}>
              Try again
            </button>
          </>
        ) : byLink ? (
          <>
            <h1 id="gone-h">This link is no longer valid</h1>
            <p role="alert">It was revoked, it expired, or its video was deleted. Ask whoever shared it for a new one.</p>
          </>
        ) : (
          <>
            <h1 id="gone-h">Video not available</h1>
            <p role="alert">This video is private, or it does not exist.</p>
          </>
        )}
        <p>
          <Link href="/explore">Explore public videos</Link>
        </p>
      </section>
    );
  }
  if (!video) return <p role="status">Loading…</p>;

  const ready = watchable(video);
  const origin = window.location.origin;
  return (
    <section className="watch" aria-labelledby="watch-h">
      <h1 id="watch-h">{video.title}</h1>
      {ready ? (
        <>
          <Player video={video} reload={reload} />
          <Downloads video={video} />
        </>
      ) : (
        <p className="not-ready hint" role="status">
          {video.status === 'failed' ? 'This video cannot be played.' : 'This video is not ready yet; this page updates by itself.'}
        </p>
      )}
      <p className="sub">
        {new Date(video.created_at).toLocaleDateString()}
        {video.duration_seconds !== null ? ` · ${duration(video.duration_seconds)}` : ''}
      </p>
      <div className="pass-on">
        <CopyField label="Link to this page" value={origin + watchPath(target)} />
        <CopyField label="Embed" value={embedSnippet(origin, target, video.title)} multiline />
      </div>
    </section>
  );
}
