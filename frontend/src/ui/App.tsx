// The shell: restores the session on load, shows the sign-in page while
// signed out, and otherwise the header, the current page and the uploads
// (which go on while the user moves between pages).
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../api/auth';
import { api, auth, videosChanged } from '../app';
import { UploadManager } from '../upload/manager';
import { AuthPage } from '../pages/AuthPage';
import { LibraryPage } from '../pages/LibraryPage';
import { SessionsPage } from '../pages/SessionsPage';
import { WatchPage } from '../pages/WatchPage';
import { Link, navigate, usePath, useTitle } from './router';

type Phase = 'loading' | 'ready' | 'offline';

export function App() {
  const [session, setSession] = useState<Session | null>(auth.current);
  const [phase, setPhase] = useState<Phase>('loading');
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      auth.subscribe((s, reason) => {
        setSession(s);
        if (!s && reason === 'expired') setNotice('Your session has ended. Please sign in again.');
        if (s) setNotice(null);
      }),
    [],
  );

  const restore = () => {
    setPhase('loading');
    auth
      .restore()
      .then(() => setPhase('ready'))
      .catch(() => setPhase('offline'));
  };
  useEffect(restore, []);

  if (phase === 'loading') {
    return (
      <p className="center" role="status">
        Loading…
      </p>
    );
  }
  if (phase === 'offline') {
    return (
      <div className="center" role="alert">
        <p>The server cannot be reached right now.</p>
        <button type="button" onClick={restore}>
          Try again
        </button>
      </div>
    );
  }
  if (!session) return <AuthPage notice={notice} />;
  return <Shell key={session.user.id} session={session} />;
}

function Shell({ session }: { session: Session }) {
  const path = usePath();
  const mainRef = useRef<HTMLElement>(null);
  const manager = useMemo(() => new UploadManager(api, session.user.id, videosChanged.emit), [session.user.id]);

  useEffect(() => {
    if (path === '/signin' || path === '/signup') navigate('/', true);
  }, [path]);

  // move focus to the new page, as a full page load would
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [path]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (manager.busy) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [manager]);

  const signOut = async () => {
    manager.pauseAll();
    await auth.logout();
    navigate('/', true);
  };

  const watch = /^\/videos\/([0-9a-f-]{36})$/.exec(path);
  let page;
  if (path === '/' || path === '/signin' || path === '/signup') page = <LibraryPage manager={manager} />;
  else if (watch) page = <WatchPage id={watch[1]!} />;
  else if (path === '/sessions') page = <SessionsPage />;
  else page = <NotFound />;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          vidpipe
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={path === '/' ? 'page' : undefined}>
            Library
          </Link>
          <Link href="/sessions" aria-current={path === '/sessions' ? 'page' : undefined}>
            Sessions
          </Link>
        </nav>
        <span className="who" title={session.user.email}>
          {session.user.email}
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function NotFound() {
  useTitle('Not found');
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing here. <Link href="/">Back to your library</Link>.
      </p>
    </section>
  );
}
