// The owner's "Share" panel of one video: its public page and embed snippet
// when it is public or unlisted; share links, which open it whatever its
// visibility: create one with an expiry (its address is shown once: only
// the API's answer to the creation holds the token), copy it, list the
// links that still work, revoke one (it stops working at once).
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../api/errors';
import type { CreatedLink, ShareLink, Video } from '../api/types';
import { api } from '../app';
import { EXPIRY_CHOICES, embedSnippet, expiryText, watchPath } from '../share/share';
import { CopyField } from './CopyField';
import { when } from './format';

export function SharePanel({ video }: { video: Video }) {
  const [links, setLinks] = useState<ShareLink[] | null>(null);
  const [created, setCreated] = useState<CreatedLink | null>(null);
  const [expiry, setExpiry] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const origin = window.location.origin;

  const load = useCallback(async () => {
    try {
      setLinks((await api.links(video.id)).links);
    } catch (e) {
      setError(errorText(e));
    }
  }, [video.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async () => {
    setBusy('create');
    setError(null);
    try {
      const r = await api.createLink(video.id, EXPIRY_CHOICES[expiry]?.seconds ?? null);
      setCreated(r.link);
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const revoke = async (l: ShareLink) => {
    setBusy(l.id);
    setError(null);
    try {
      await api.revokeLink(video.id, l.id);
      if (created?.id === l.id) setCreated(null);
      setLinks((prev) => (prev ?? []).filter((x) => x.id !== l.id));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const listed = video.visibility !== 'private';
  return (
    <section className="share-panel" aria-label={`Share ${video.title}`}>
      {listed && (
        <>
          <CopyField label="Public page" value={origin + watchPath({ id: video.id })} />
          <CopyField label="Embed" value={embedSnippet(origin, { id: video.id }, video.title)} multiline />
        </>
      )}
      <h4>Share links</h4>
      <p className="hint">Anyone with a link can watch, even while the video is private.</p>
      <div className="row">
        <label htmlFor={`exp-${video.id}`} className="visually-hidden">
          Link expires
        </label>
        <select id={`exp-${video.id}`} value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
          {EXPIRY_CHOICES.map((c, i) => (
            <option key={c.label} value={i}>
              {c.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={create} disabled={busy !== null}>
          Create link
        </button>
      </div>
      {created && (
        <div className="created" data-link-id={created.id}>
          <CopyField label="New link" value={created.url} />
          <p className="hint">Copy it now: it is shown only once.</p>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {links !== null && links.length > 0 && (
        <ul className="links">
          {links.map((l) => (
            <li key={l.id} data-link-id={l.id}>
              <span>
                Created {when(l.created_at)}, {expiryText(l.expires_at)}
              </span>
              <button
                type="button"
                className="secondary"
                onClick={() => revoke(l)}
                disabled={busy !== null}
                aria-label={`Revoke the link created ${when(l.created_at)}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {links !== null && links.length === 0 && <p className="sub">No links yet.</p>}
    </section>
  );
}
