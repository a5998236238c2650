// AuthClient: the access token (in memory only), the refresh through the
// HttpOnly cookie, and every authenticated request.
//
// - The access token never touches storage; a reload refreshes through the
//   cookie. Only a "was signed in" hint (no secret) is kept in localStorage,
//   so a first visit does not spend a request on a refresh that must fail.
// - refresh() is single-flight: every caller during one refresh shares its
//   promise. Across tabs the refresh runs under a Web Lock, because the
//   server treats a refresh token presented twice as theft and revokes the
//   session; serialised, the second tab's refresh carries the new cookie.
// - request() sends the bearer token; on a 401 it refreshes once (or, when
//   another request already refreshed since this one started, just retries
//   with the new token) and tries once more. A failed refresh signs out.
// - A transient failure of the refresh (network, 5xx, 429) throws and keeps
//   the session: only the server's 401 ends it.
import { ApiError, errorFrom, networkError } from './errors';
import type { TokenAnswer, User } from './types';

export interface Session {
  accessToken: string;
  expiresAt: number; // ms since the epoch
  user: User;
}

export type SignOutReason = 'signed_out' | 'expired';
export type AuthListener = (session: Session | null, reason?: SignOutReason) => void;
export type LockFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface HintStore {
  get(): boolean;
  set(on: boolean): void;
}

export interface AuthOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  lock?: LockFn;
  hint?: HintStore;
  now?: () => number;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

const noLock: LockFn = (_name, fn) => fn();

export function browserLock(): LockFn {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return noLock;
  return (name, fn) => locks.request(name, fn);
}

export function localHint(key = 'vidpipe.signed-in'): HintStore {
  return {
    get: () => {
      try {
        return localStorage.getItem(key) === '1';
      } catch {
        return true; // storage blocked: just try the refresh
      }
    },
    set: (on) => {
      try {
        if (on) localStorage.setItem(key, '1');
        else localStorage.removeItem(key);
      } catch {
        /* storage blocked */
      }
    },
  };
}

const memoryHint = (): HintStore => {
  let v = false;
  return { get: () => v, set: (on) => { v = on; } };
};

export class AuthClient {
  private session: Session | null = null;
  private refreshing: Promise<Session | null> | null = null;
  private listeners = new Set<AuthListener>();
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly lock: LockFn;
  private readonly hint: HintStore;
  private readonly now: () => number;

  constructor(opts: AuthOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.lock = opts.lock ?? noLock;
    this.hint = opts.hint ?? memoryHint();
    this.now = opts.now ?? Date.now;
  }

  get current(): Session | null {
    return this.session;
  }

  subscribe(fn: AuthListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** On page load: a session from the cookie, or null (signed out). */
  async restore(): Promise<Session | null> {
    if (!this.hint.get()) return null;
    return this.refresh();
  }

  async register(email: string, password: string): Promise<User> {
    const res = await this.send('/auth/register', { method: 'POST', body: { email, password } }, null);
    return ((await res.json()) as { user: User }).user;
  }

  async login(email: string, password: string): Promise<Session> {
    const res = await this.send('/auth/login', { method: 'POST', body: { email, password } }, null);
    return this.adopt((await res.json()) as TokenAnswer);
  }

  /** One refresh for everyone who asks while it runs. */
  refresh(): Promise<Session | null> {
    if (!this.refreshing) {
      this.refreshing = this.lock('vidpipe-refresh', () => this.doRefresh()).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<Session | null> {
    let res: Response;
    try {
      res = await this.send('/auth/refresh', { method: 'POST' }, null);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.drop('expired');
        return null;
      }
      throw e;
    }
    return this.adopt((await res.json()) as TokenAnswer);
  }

  /** Signs this device out; the local state goes whatever the server says. */
  async logout(): Promise<void> {
    try {
      await this.request('/auth/logout', { method: 'POST' });
    } catch {
      /* the session may be gone already */
    } finally {
      this.drop('signed_out');
    }
  }

  async logoutAll(): Promise<void> {
    await this.request('/auth/logout-all', { method: 'POST' });
    this.drop('signed_out');
  }

  /** An authenticated JSON request; resolves to the parsed body (undefined for 204). */
  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, opts);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** An authenticated request; throws ApiError for anything but 2xx. */
  async request(path: string, opts: RequestOptions = {}): Promise<Response> {
    let session = this.session ?? (await this.refresh());
    if (!session) throw new ApiError(401, 'unauthorized', 'Please sign in.');
    try {
      return await this.send(path, opts, session.accessToken);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    }
    // 401: refresh once, unless someone already replaced the token we used
    const used = session.accessToken;
    session = this.session && this.session.accessToken !== used ? this.session : await this.refresh();
    if (!session) throw new ApiError(401, 'invalid_token', 'Your session has ended. Please sign in again.');
    try {
      return await this.send(path, opts, session.accessToken);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.drop('expired');
      throw e;
    }
  }

  private async send(
    path: string,
    opts: RequestOptions,
    token: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        // the refresh cookie lives on Path=/auth: every /auth/ call carries
        // it and takes the Set-Cookie of the answer (login, rotation, clear)
        credentials: path.startsWith('/auth/') ? 'include' : 'omit',
        signal: opts.signal,
        cache: 'no-store',
      });
    } catch (e) {
      throw networkError(e);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  private adopt(t: TokenAnswer): Session {
    this.session = {
      accessToken: t.access_token,
      expiresAt: this.now() + t.expires_in * 1000,
      user: t.user,
    };
    this.hint.set(true);
    this.emit(this.session);
    return this.session;
  }

  private drop(reason: SignOutReason): void {
    const had = this.session !== null;
    this.session = null;
    this.hint.set(false);
    if (had || reason === 'expired') this.emit(null, reason);
  }

  private emit(s: Session | null, reason?: SignOutReason): void {
    for (const fn of this.listeners) fn(s, reason);
  }
}
