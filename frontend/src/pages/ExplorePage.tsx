// Explore: the public videos, newest first, a page at a time. Anyone may
// look; nothing here needs an account.
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../api/errors';
import type { PublicVideo } from '../api/types';
import { publicApi } from '../app';
import { duration } from '../ui/format';
import { Link, useTitle } from '../ui/router';

const PAGE = 24;

export function ExplorePage() {
  useTitle('Explore');
  const [videos, setVideos] = useState<PublicVideo[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (cursor: string | null) => {
    setBusy(true);
    try {
      const r = await publicApi.videos(PAGE, cursor);
      setVideos((prev) => {
        const have = new Set((cursor ? (prev ?? []) : []).map((v) => v.id));
        return [...(cursor ? (prev ?? []) : []), ...r.videos.filter((v) => !have.has(v.id))];
      });
      setNext(r.next_cursor);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);
  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <section aria-labelledby="explore-h" aria-busy={videos === null}>
      <h1 id="explore-h">Explore</h1>
      <p className="hint">Videos their owners made public.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {videos === null && !error && <p role="status">Loading…</p>}
      {videos !== null && videos.length === 0 && <p className="empty">Nothing public yet.</p>}
      {videos !== null && videos.length > 0 && (
        <ul className="grid">
          {videos.map((v) => (
            <li key={v.id} className="card" data-video-id={v.id}>
              <Link href={`/watch/${v.id}`} className="thumb" tabIndex={-1} aria-hidden="true">
                {v.thumbnail_url ? <img src={v.thumbnail_url} alt="" loading="lazy" /> : <span className="thumb-empty" />}
                {v.duration_seconds !== null && <span className="dur">{duration(v.duration_seconds)}</span>}
              </Link>
              <div className="card-body">
                <h3 className="card-title">
                  <Link href={`/watch/${v.id}`}>{v.title}</Link>
                </h3>
                <p className="sub">{new Date(v.created_at).toLocaleDateString()}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" className="secondary more" onClick={() => void load(next)} disabled={busy}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
