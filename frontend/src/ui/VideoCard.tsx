// One video in the library: thumbnail, title, status; who may watch it (a
// select: publishing is two clicks); rename and delete in place (delete asks
// first, in the card, and focus moves to its answer); the Share panel.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { errorText } from '../api/errors';
import type { Video, Visibility } from '../api/types';
import { api } from '../app';
import { VISIBILITIES } from '../share/share';
import { bytes, duration, when } from './format';
import { Link } from './router';
import { SharePanel } from './SharePanel';
import { StatusBadge } from './StatusBadge';

interface Props {
  video: Video;
  onChanged: (v: Video) => void;
  onDeleted: (id: string) => void;
}

export function VideoCard({ video, onChanged, onDeleted }: Props) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(video.title);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sharing, setSharing] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  const renameRef = useRef<HTMLButtonElement>(null);
  const ready = video.status === 'ready';
  const headingId = `v-${video.id}`;

  useEffect(() => {
    if (mode === 'rename') inputRef.current?.select();
    if (mode === 'delete') keepRef.current?.focus();
  }, [mode]);

  const back = () => {
    setMode('view');
    setError(null);
    requestAnimationFrame(() => renameRef.current?.focus());
  };

  const rename = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.renameVideo(video.id, title.trim());
      onChanged(r.video);
      back();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteVideo(video.id);
      onDeleted(video.id);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const publish = async (visibility: Visibility) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.setVisibility(video.id, visibility);
      onChanged(r.video);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const escape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') back();
  };

  const thumb = video.thumbnail_url ? (
    <img src={video.thumbnail_url} alt="" loading="lazy" />
  ) : (
    <span className="thumb-empty" aria-hidden="true" />
  );

  return (
    <li className="card" aria-labelledby={headingId} data-video-id={video.id}>
      {ready ? (
        <Link href={`/videos/${video.id}`} className="thumb" tabIndex={-1} aria-hidden="true">
          {thumb}
          {video.duration_seconds !== null && <span className="dur">{duration(video.duration_seconds)}</span>}
        </Link>
      ) : (
        <div className="thumb">{thumb}</div>
      )}
      <div className="card-body">
        {mode === 'rename' ? (
          <form className="rename" onSubmit={rename} onKeyDown={escape}>
            <label htmlFor={`t-${video.id}`}>New title</label>
            <input id={`t-${video.id}`} ref={inputRef} value={title} onChange={(e) => setTitle(e.target.value)} />
            <div className="row">
              <button type="submit" disabled={busy}>
                Save
              </button>
              <button type="button" className="secondary" onClick={back}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <h3 id={headingId} className="card-title">
            {ready ? <Link href={`/videos/${video.id}`}>{video.title}</Link> : video.title}
          </h3>
        )}
        <StatusBadge video={video} />
        <p className="sub">
          {when(video.created_at)} · {bytes(video.size)}
          {video.width && video.height ? ` · ${video.width}×${video.height}` : ''}
        </p>
        <div className="visibility">
          <label htmlFor={`vis-${video.id}`}>Visibility</label>
          <select
            id={`vis-${video.id}`}
            value={video.visibility}
            disabled={busy}
            onChange={(e) => void publish(e.target.value as Visibility)}
            aria-describedby={`vis-h-${video.id}`}
          >
            {VISIBILITIES.map((v) => (
              <option key={v.value} value={v.value}>
                {v.label}
              </option>
            ))}
          </select>
          <span id={`vis-h-${video.id}`} className="sub">
            {VISIBILITIES.find((v) => v.value === video.visibility)?.hint}
          </span>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {mode === 'delete' ? (
          <div className="confirm" role="group" aria-label={`Delete ${video.title}?`} onKeyDown={escape}>
            <span>Delete this video for good?</span>
            <button type="button" className="danger" onClick={remove} disabled={busy}>
              Delete
            </button>
            <button type="button" className="secondary" ref={keepRef} onClick={back}>
              Keep
            </button>
          </div>
        ) : (
          mode === 'view' && (
            <div className="row">
              <button type="button" className="secondary" ref={renameRef} onClick={() => { setTitle(video.title); setMode('rename'); }}
                aria-label={`Rename ${video.title}`}>
                Rename
              </button>
              <button type="button" className="secondary" onClick={() => setMode('delete')} aria-label={`Delete ${video.title}`}>
                Delete
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => setSharing((on) => !on)}
                aria-expanded={sharing}
                aria-label={`Share ${video.title}`}
              >
                Share
              </button>
            </div>
          )
        )}
        {sharing && <SharePanel video={video} />}
      </div>
    </li>
  );
}
