// The user's signed-in devices: sign one out, or all of them.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/errors';
import type { DeviceSession } from '../api/types';
import { api, auth } from '../app';
import { when } from '../ui/format';
import { useTitle } from '../ui/router';

/** "Firefox on Linux" out of a User-Agent string, or the string itself. */
export function deviceName(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome'
    : /Safari\//.test(ua) ? 'Safari' : /curl\//.test(ua) ? 'curl' : null;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? (ua.length > 60 ? ua.slice(0, 57) + '…' : ua);
}

export function SessionsPage() {
  useTitle('Sessions');
  const [sessions, setSessions] = useState<DeviceSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const keepRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    try {
      const r = await api.sessions();
      setSessions(r.sessions);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (confirmAll) keepRef.current?.focus();
  }, [confirmAll]);

  const revoke = async (s: DeviceSession) => {
    setBusy(s.id);
    setError(null);
    try {
      if (s.current) {
        await auth.logout();
        return;
      }
      await api.revokeSession(s.id);
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const everywhere = async () => {
    setBusy('all');
    try {
      await auth.logoutAll();
    } catch (e) {
      setError(errorText(e));
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="sessions-h">
      <h1 id="sessions-h">Sessions</h1>
      <p className="hint">Where your account is signed in. Sign out a device you do not recognise.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {sessions === null && !error && <p role="status">Loading…</p>}
      {sessions && (
        <ul className="sessions">
          {sessions.map((s) => (
            <li key={s.id} data-session-id={s.id} className={s.current ? 'current' : undefined}>
              <div>
                <strong>{deviceName(s.user_agent)}</strong>
                {s.current && <span className="badge badge-ready">This device</span>}
                <p className="sub">
                  {s.ip ?? 'unknown address'} · signed in {when(s.created_at)} · last used {when(s.last_used_at)}
                </p>
              </div>
              <button type="button" className="secondary" disabled={busy !== null} onClick={() => revoke(s)}
                aria-label={s.current ? 'Sign out this device' : `Sign out ${deviceName(s.user_agent)}, signed in ${when(s.created_at)}`}>
                Sign out
              </button>
            </li>
          ))}
        </ul>
      )}
      {confirmAll ? (
        <div className="confirm" role="group" aria-label="Sign out everywhere?">
          <span>Sign out every device, this one included?</span>
          <button type="button" className="danger" onClick={everywhere} disabled={busy !== null}>
            Sign out everywhere
          </button>
          <button type="button" className="secondary" ref={keepRef} onClick={() => setConfirmAll(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirmAll(true)} disabled={sessions === null}>
          Sign out everywhere…
        </button>
      )}
    </section>
  );
}
