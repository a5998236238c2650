// The token refresh logic against a fake API (a unit test: fetch is the
// boundary it fakes; the browser tests run the real one).
import { describe, expect, it } from 'vitest';
import { AuthClient, type LockFn } from './auth';
import { ApiError } from './errors';

const user = { id: 'u1', email: 'a@example.com', created_at: '2026-11-28T00:00:00Z' };

/** A fake API with the server's rules: one live refresh token per session, reuse revokes. */
function fakeApi() {
  let n = 0;
  const s = {
    cookie: null as string | null, // what the browser's cookie jar holds
    liveRefresh: null as string | null,
    liveAccess: new Set<string>(),
    refreshCalls: 0,
    revoked: false,
    down: false,
    log: [] as string[],
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const err = (status: number, code: string) => json(status, { error: { code, message: `msg ${code}` } });
  const issue = () => {
    const access = `a${++n}`;
    const refresh = `r${n}`;
    s.liveAccess.add(access);
    s.liveRefresh = refresh;
    s.cookie = refresh;
    return json(200, { access_token: access, token_type: 'Bearer', expires_in: 900, user });
  };
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = new URL(String(input)).pathname;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const bearer = headers.Authorization?.replace(/^Bearer /, '');
    s.log.push(`${init?.method ?? 'GET'} ${path}`);
    const cookie = init?.credentials === 'include' ? s.cookie : null; // attached as the request leaves
    await new Promise((r) => setTimeout(r, 2));
    if (s.down) throw new TypeError('Failed to fetch');
    switch (path) {
      case '/auth/login':
        s.revoked = false;
        return issue();
      case '/auth/refresh': {
        s.refreshCalls++;
        if (s.revoked || !cookie) return err(401, 'invalid_refresh_token');
        if (cookie !== s.liveRefresh) {
          s.revoked = true; // reuse: the whole session goes
          s.liveAccess.clear();
          return err(401, 'invalid_refresh_token');
        }
        return issue();
      }
      case '/auth/logout':
        s.liveAccess.clear();
        s.cookie = null;
        return new Response(null, { status: 204 });
      default:
        if (!bearer || !s.liveAccess.has(bearer)) return err(401, 'invalid_token');
        return json(200, { user, token: bearer });
    }
  };
  return { s, fetchFn };
}

function client(f: ReturnType<typeof fakeApi>, lock?: LockFn, hintOn = true) {
  let hint = hintOn;
  return new AuthClient({
    baseUrl: 'http://api.test',
    fetch: f.fetchFn as typeof fetch,
    lock,
    hint: { get: () => hint, set: (v) => void (hint = v) },
  });
}

describe('AuthClient', () => {
  it('does not try a refresh on a first visit (no sign-in hint)', async () => {
    const f = fakeApi();
    const c = client(f, undefined, false);
    expect(await c.restore()).toBeNull();
    expect(f.s.log).toEqual([]);
  });

  it('restores a session from the cookie on load', async () => {
    const f = fakeApi();
    await client(f).login('a@example.com', 'pw');
    const reloaded = client(f); // a new page: the token in memory is gone
    expect(reloaded.current).toBeNull();
    const s = await reloaded.restore();
    expect(s?.user.email).toBe('a@example.com');
    expect(await reloaded.json<{ token: string }>('/me')).toMatchObject({ token: s!.accessToken });
  });

  it('lets concurrent 401s share one refresh', async () => {
    const f = fakeApi();
    const c = client(f);
    await c.login('a@example.com', 'pw');
    f.s.liveAccess.clear(); // the access token expired
    const r = await Promise.all(Array.from({ length: 5 }, () => c.json<{ token: string }>('/me')));
    expect(f.s.refreshCalls).toBe(1);
    expect(new Set(r.map((x) => x.token)).size).toBe(1);
    expect(f.s.revoked).toBe(false);
  });

  it('does not refresh again for a request that failed with a token already replaced', async () => {
    const f = fakeApi();
    const c = client(f);
    await c.login('a@example.com', 'pw');
    f.s.liveAccess.clear();
    await c.json('/me'); // refreshes
    const calls = f.s.refreshCalls;
    await c.json('/me');
    expect(f.s.refreshCalls).toBe(calls);
  });

  it('serialises refreshes of two tabs under the lock, so neither looks like token reuse', async () => {
    const f = fakeApi();
    await client(f).login('a@example.com', 'pw');
    let chain = Promise.resolve();
    const lock: LockFn = (_name, fn) => {
      const run = chain.then(fn);
      chain = run.then(() => undefined, () => undefined);
      return run;
    };
    const [a, b] = await Promise.all([client(f, lock).restore(), client(f, lock).restore()]);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(f.s.revoked).toBe(false);
  });

  it('without the lock the same two tabs trip reuse detection (why the lock is there)', async () => {
    const f = fakeApi();
    await client(f).login('a@example.com', 'pw');
    const both = await Promise.all([client(f).restore(), client(f).restore()].map((p) => p.catch(() => null)));
    expect(both.filter((s) => s === null).length).toBeGreaterThan(0);
    expect(f.s.revoked).toBe(true);
  });

  it('signs out, telling why, when the refresh is refused', async () => {
    const f = fakeApi();
    const c = client(f);
    const events: (string | undefined)[] = [];
    c.subscribe((s, reason) => events.push(s ? 'in' : `out:${reason}`));
    await c.login('a@example.com', 'pw');
    f.s.revoked = true; // revoked from another device
    f.s.liveAccess.clear();
    await expect(c.json('/me')).rejects.toMatchObject({ status: 401 });
    expect(c.current).toBeNull();
    expect(events).toEqual(['in', 'out:expired']);
    expect(await client(f, undefined, false).restore()).toBeNull();
  });

  it('keeps the session when the refresh only failed to reach the server', async () => {
    const f = fakeApi();
    const c = client(f);
    await c.login('a@example.com', 'pw');
    f.s.liveAccess.clear();
    f.s.down = true;
    await expect(c.json('/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
    f.s.down = false;
    expect(c.current).not.toBeNull(); // not signed out by a blip
    expect(await c.json('/me')).toMatchObject({ user });
  });

  it('reads the contract error shape into ApiError', async () => {
    const c = new AuthClient({
      baseUrl: 'http://api.test',
      fetch: (async () =>
        new Response(JSON.stringify({ error: { code: 'email_taken', message: 'That email is taken.' } }), {
          status: 409,
        })) as typeof fetch,
    });
    const e = await c.register('a@example.com', 'password1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 409, code: 'email_taken', message: 'That email is taken.' });
  });
});
