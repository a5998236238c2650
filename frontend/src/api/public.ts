// The anonymous routes (/public/*): plain requests without a token or a
// cookie, so they work for anyone, in any page, inside another site's frame
// too. Errors are ApiErrors, as everywhere.
import { errorFrom, networkError } from './errors';
import type { PublicVideo } from './types';

const enc = encodeURIComponent;

export function makePublicApi(baseUrl: string, fetchFn: typeof fetch = (i, init) => fetch(i, init)) {
  const base = baseUrl.replace(/\/+$/, '');
  const get = async <T>(path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetchFn(base + path, { credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      throw networkError(e);
    }
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as T;
  };
  return {
    videos: (limit = 24, cursor?: string | null) =>
      get<{ videos: PublicVideo[]; next_cursor: string | null }>(
        `/public/videos?limit=${limit}` + (cursor ? `&cursor=${enc(cursor)}` : ''),
      ),
    video: (vid: string) => get<{ video: PublicVideo }>(`/public/videos/${enc(vid)}`),
    link: (token: string) => get<{ video: PublicVideo }>(`/public/links/${enc(token)}`),
  };
}

export type PublicApi = ReturnType<typeof makePublicApi>;
