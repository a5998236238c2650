// useVideos: the user's videos, newest first, kept current.
//
// While anything is queued or processing the first page is fetched again
// with a backoff (1 s, growing by half up to 8 s, back to 1 s whenever
// something changed); while something is only "uploading" (maybe from
// another device) every 30 s; when nothing is in flight, not at all. An
// upload of this tab starting or finishing fetches at once. Pages loaded with
// "Load more" are kept below the first. A pre-signed thumbnail URL that is
// still valid for a while is kept, so the image is not fetched on every poll.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/errors';
import type { Video } from '../api/types';
import { api, videosChanged } from '../app';
import { urlExpiry } from '../upload/parts';

const PAGE = 20;

function keepUrl(prev: string | null | undefined, next: string | null): string | null {
  if (!prev || !next) return next;
  const exp = urlExpiry(prev);
  return exp !== null && exp - Date.now() > 10 * 60_000 ? prev : next;
}

function mergeFirstPage(prev: Video[] | null, first: Video[], full: boolean): Video[] {
  const old = new Map((prev ?? []).map((v) => [v.id, v]));
  const head = first.map((v) => {
    const o = old.get(v.id);
    return o ? { ...v, thumbnail_url: keepUrl(o.thumbnail_url, v.thumbnail_url) } : v;
  });
  if (!full || !prev) return head;
  // rows below the first page: those older than its last row
  const ids = new Set(first.map((v) => v.id));
  const last = first[first.length - 1];
  const tail = prev.filter((v) => !ids.has(v.id) && last && v.created_at < last.created_at);
  return [...head, ...tail];
}

const signature = (vs: Video[]) => vs.map((v) => `${v.id}:${v.status}:${v.progress}:${v.title}`).join('|');

export function useVideos() {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const delay = useRef(1000);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const last = useRef('');
  const alive = useRef(true);
  const extraPages = useRef(false);

  const poll = useCallback(async () => {
    clearTimeout(timer.current);
    let list: Video[] | null = null;
    try {
      const r = await api.videos(PAGE);
      if (!alive.current) return;
      setError(null);
      setVideos((prev) => mergeFirstPage(prev, r.videos, r.videos.length === PAGE));
      if (!extraPages.current) setNext(r.next_cursor);
      const sig = signature(r.videos);
      if (sig !== last.current) delay.current = 1000;
      last.current = sig;
      list = r.videos;
    } catch (e) {
      if (!alive.current) return;
      setError(errorText(e));
    }
    const all: Video[] = list ?? [];
    const busy = all.some((v) => v.status === 'queued' || v.status === 'processing');
    const uploading = all.some((v) => v.status === 'uploading');
    let wait: number | null = null;
    if (busy || list === null) {
      wait = delay.current;
      delay.current = Math.min(8000, delay.current * 1.5);
    } else if (uploading) wait = 30_000;
    if (wait !== null && alive.current) timer.current = setTimeout(poll, wait);
  }, []);

  useEffect(() => {
    alive.current = true;
    void poll();
    const off = videosChanged.on(() => {
      delay.current = 1000;
      void poll();
    });
    return () => {
      alive.current = false;
      clearTimeout(timer.current);
      off();
    };
  }, [poll]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const r = await api.videos(PAGE, next);
      extraPages.current = true;
      setVideos((prev) => {
        const ids = new Set((prev ?? []).map((v) => v.id));
        return [...(prev ?? []), ...r.videos.filter((v) => !ids.has(v.id))];
      });
      setNext(r.next_cursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoadingMore(false);
    }
  }, [next]);

  const replace = useCallback((v: Video) => {
    setVideos((prev) => (prev ?? []).map((o) => (o.id === v.id ? { ...v, thumbnail_url: keepUrl(o.thumbnail_url, v.thumbnail_url) } : o)));
  }, []);
  const remove = useCallback((id: string) => {
    setVideos((prev) => (prev ?? []).filter((o) => o.id !== id));
  }, []);

  return { videos, error, next, loadMore, loadingMore, replace, remove };
}
