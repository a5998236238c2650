// Picking or dropping files, a progress row per upload, and the uploads a
// reload interrupted (resumed by choosing the same file again).
import { useEffect, useState, useSyncExternalStore, type ChangeEvent, type DragEvent } from 'react';
import { errorText } from '../api/errors';
import type { UploadItem, UploadManager } from '../upload/manager';
import type { PendingUpload } from '../upload/pending';
import { bytes, percent, speed, timeLeft, when } from './format';

const STATE: Record<UploadItem['state'], string> = {
  waiting: 'Waiting',
  starting: 'Starting',
  uploading: 'Uploading',
  paused: 'Paused',
  completing: 'Finishing',
  done: 'Uploaded',
  failed: 'Failed',
  cancelling: 'Cancelling',
  cancelled: 'Cancelled',
};

export function UploadPanel({ manager }: { manager: UploadManager }) {
  const items = useSyncExternalStore(manager.subscribe, manager.getItems);
  const pending = useSyncExternalStore(manager.subscribe, manager.getPending);
  const [over, setOver] = useState(false);
  const [pendingError, setPendingError] = useState<string | null>(null);

  useEffect(() => {
    void manager.checkPending();
  }, [manager]);

  const pick = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    if (files.length) manager.add(files);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) manager.add(files);
  };
  const resumePending = async (p: PendingUpload, e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setPendingError(null);
    try {
      await manager.resumePending(p, file);
    } catch (err) {
      setPendingError(errorText(err));
    }
  };
  const discard = async (p: PendingUpload) => {
    setPendingError(null);
    try {
      await manager.discardPending(p);
    } catch (err) {
      setPendingError(errorText(err));
    }
  };

  return (
    <section className="upload-panel" aria-labelledby="upload-h">
      <h2 id="upload-h">Upload</h2>
      <div
        className={over ? 'drop over' : 'drop'}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop video files here, or</p>
        <label className="button file">
          Choose videos
          <input type="file" accept="video/*" multiple onChange={pick} data-testid="file-input" />
        </label>
      </div>

      {pending.length > 0 && (
        <div className="pending">
          <h3>Unfinished uploads</h3>
          <p className="hint">Choose the same file again to go on from where it stopped.</p>
          {pendingError && (
            <p className="error" role="alert">
              {pendingError}
            </p>
          )}
          <ul>
            {pending.map((p) => (
              <li key={p.uploadId}>
                <span className="name">{p.name}</span>
                <span className="sub">
                  {bytes(p.size)} · started {when(p.startedAt)}
                </span>
                <label className="button file secondary">
                  Resume…
                  <input type="file" accept="video/*" onChange={(e) => resumePending(p, e)} aria-label={`Resume ${p.name}: choose the file`} />
                </label>
                <button type="button" className="secondary" onClick={() => discard(p)} aria-label={`Discard ${p.name}`}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {items.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {items.map((it) => (
            <UploadRow key={it.key} item={it} manager={manager} />
          ))}
        </ul>
      )}
    </section>
  );
}

function UploadRow({ item, manager }: { item: UploadItem; manager: UploadManager }) {
  const pct = percent(item.loaded, item.size);
  const active = item.state === 'uploading';
  const canResume = (item.state === 'paused' || item.state === 'failed') && item.uploadId !== null;
  const finished = item.state === 'done' || item.state === 'cancelled' || item.state === 'failed';
  return (
    <li className={`upload state-${item.state}`} data-state={item.state}>
      <div className="upload-head">
        <span className="name">{item.name}</span>
        <span className="state" aria-live="polite">
          {STATE[item.state]}
        </span>
      </div>
      <progress max={100} value={pct} aria-label={`Upload of ${item.name}`} aria-valuetext={`${pct}%`}>
        {pct}%
      </progress>
      <p className="sub upload-stats">
        <span className="pct">{pct}%</span> · {bytes(item.loaded)} of {bytes(item.size)}
        {active && (
          <>
            {' '}
            · {speed(item.speed)} · {timeLeft(item.eta)}
          </>
        )}
      </p>
      {item.error && (
        <p className="error" role="alert">
          {item.error}
        </p>
      )}
      <div className="row">
        {active && (
          <button type="button" className="secondary" onClick={() => manager.pause(item.key)}>
            Pause
          </button>
        )}
        {canResume && (
          <button type="button" className="secondary" onClick={() => manager.resume(item.key)}>
            {item.state === 'failed' ? 'Retry' : 'Resume'}
          </button>
        )}
        {!finished && item.state !== 'cancelling' && item.state !== 'completing' && (
          <button type="button" className="secondary" onClick={() => void manager.cancel(item.key)}>
            Cancel
          </button>
        )}
        {finished && (
          <button type="button" className="link" onClick={() => manager.dismiss(item.key)} aria-label={`Dismiss ${item.name}`}>
            Dismiss
          </button>
        )}
      </div>
    </li>
  );
}
