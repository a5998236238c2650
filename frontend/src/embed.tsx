// The embed player (/embed/{id}, /embed/s/{token}), the one page of the app
// other sites may frame: a player and nothing else, not even the app's sign-in
// (no token, no cookie: only /public/* is called). The title links to the
// video's own page, in a new tab.
import { StrictMode, useCallback } from 'react';
import { createRoot } from 'react-dom/client';
import { makePublicApi } from './api/public';
import type { PublicVideo } from './api/types';
import { API_URL } from './config';
import { publicRoute, watchPath, type Target } from './share/share';
import { Player, watchable } from './ui/Player';
import { useVideo } from './ui/useVideo';
import './embed.css';

const publicApi = makePublicApi(API_URL);

function Embed({ target }: { target: Target }) {
  const byLink = 'token' in target;
  const fetchVideo = useCallback(
    () => ('token' in target ? publicApi.link(target.token) : publicApi.video(target.id)).then((r) => r.video),
    [target],
  );
  const { video, error, reload } = useVideo<PublicVideo>(fetchVideo, { patient: true });

  if (error && !video) {
    return (
      <p className="embed-message" role="alert">
        {!error.missing ? error.text : byLink ? 'This link is no longer valid.' : 'This video is not available.'}
      </p>
    );
  }
  if (!video) return <p className="embed-message" role="status">Loading…</p>;
  document.title = `${video.title} · vidpipe`;
  const ready = watchable(video);
  return (
    <>
      {ready ? (
        <Player video={video} reload={reload} bar={false} />
      ) : (
        <p className="embed-message" role="status">
          {video.status === 'failed' ? 'This video cannot be played.' : 'This video is not ready yet.'}
        </p>
      )}
      <a className="embed-title" href={watchPath(target)} target="_blank" rel="noopener noreferrer">
        {video.title} · vidpipe
      </a>
    </>
  );
}

const route = publicRoute(window.location.pathname);
const target: Target | null =
  route?.kind === 'embed' ? { id: route.id } : route?.kind === 'embed-link' ? { token: route.token } : null;

createRoot(document.getElementById('embed')!).render(
  <StrictMode>
    {target ? <Embed target={target} /> : <p className="embed-message">There is no video here.</p>}
  </StrictMode>,
);
