import type { UploadManager } from '../upload/manager';
import { UploadPanel } from '../ui/UploadPanel';
import { useTitle } from '../ui/router';
import { useVideos } from '../ui/useVideos';
import { VideoCard } from '../ui/VideoCard';

export function LibraryPage({ manager }: { manager: UploadManager }) {
  useTitle('Library');
  const { videos, error, next, loadMore, loadingMore, replace, remove } = useVideos();
  return (
    <>
      <h1 className="visually-hidden">Library</h1>
      <UploadPanel manager={manager} />
      <section aria-labelledby="videos-h" aria-busy={videos === null}>
        <h2 id="videos-h">Your videos</h2>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {videos === null && !error && <p role="status">Loading your videos…</p>}
        {videos !== null && videos.length === 0 && (
          <div className="empty">
            <p>No videos yet.</p>
            <p className="hint">Upload one above: it is ready to watch, in several qualities, shortly after.</p>
          </div>
        )}
        {videos !== null && videos.length > 0 && (
          <ul className="grid">
            {videos.map((v) => (
              <VideoCard key={v.id} video={v} onChanged={replace} onDeleted={remove} />
            ))}
          </ul>
        )}
        {next && (
          <button type="button" className="secondary more" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </>
  );
}
