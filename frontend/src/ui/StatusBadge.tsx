import type { Video } from '../api/types';

const LABEL: Record<Video['status'], string> = {
  uploading: 'Uploading',
  queued: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

/** The video's state as a badge; processing shows its progress, failed its reason. */
export function StatusBadge({ video }: { video: Video }) {
  const s = video.status;
  return (
    <div className="status">
      <span className={`badge badge-${s}`} data-status={s}>
        {LABEL[s] ?? s}
        {s === 'processing' ? ` ${video.progress}%` : ''}
      </span>
      {s === 'processing' && (
        <progress max={100} value={video.progress} aria-label={`Processing ${video.title}`}>
          {video.progress}%
        </progress>
      )}
      {s === 'failed' && video.error && <span className="reason">{video.error}</span>}
    </div>
  );
}
