// The shell: restores the session on load, shows the sign-in page while
// signed out, and otherwise the header, the current page and the uploads
// (which go on while the user moves between pages). The pages a stranger
// may open (Explore, a public video, a share link) need no session: they
// show at once, signed in or not, with a header of their own.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../api/auth';
import { api, auth, videosChanged } from '../app';
import { UploadManager } from '../upload/manager';
import { AuthPage } from '../pages/AuthPage';
import { ExplorePage } from '../pages/ExplorePage';
import { LibraryPage } from '../pages/LibraryPage';
import { PublicWatchPage } from '../pages/PublicWatchPage';
import { SessionsPage } from '../pages/SessionsPage';
import { WatchPage } from '../pages/WatchPage';
import { publicRoute, type PublicRoute } from '../share/share';
import { Link, navigate, usePath, useTitle } from './router';

type Phase = 'loading' | 'ready' | 'offline';

export function App() {
  const [session, setSession] = useState<Session | null>(auth.current);
  const [phase, setPhase] = useState<Phase>('loading');
  const [notice, setNotice] = useState<string | null>(null);
  const pub = publicRoute(usePath());

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

  if (pub && pub.kind !== 'embed' && pub.kind !== 'embed-link') return <PublicShell route={pub} session={session} />;
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
          <Link href="/explore">Explore</Link>
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

/** The pages anyone may open; the header offers the library or signing in. */
function PublicShell({ route, session }: { route: PublicRoute; session: Session | null }) {
  const mainRef = useRef<HTMLElement>(null);
  let page;
  if (route.kind === 'watch') page = <PublicWatchPage key={route.id} target={{ id: route.id }} />;
  else if (route.kind === 'link') page = <PublicWatchPage key={route.token} target={{ token: route.token }} />;
  else page = <ExplorePage />;
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
          <Link href="/explore" aria-current={route.kind === 'explore' ? 'page' : undefined}>
            Explore
          </Link>
        </nav>
        {session ? <Link href="/">Your library</Link> : <Link href="/signin">Sign in</Link>}
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
