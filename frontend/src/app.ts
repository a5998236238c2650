// The app's one AuthClient and API, for the API origin fixed at build time.
import { AuthClient, browserLock, localHint } from './api/auth';
import { makeApi } from './api/api';

export const API_URL: string = import.meta.env.VITE_API_URL || 'http://localhost:8000';

export const auth = new AuthClient({ baseUrl: API_URL, lock: browserLock(), hint: localHint() });
export const api = makeApi(auth);

/** A small event bus: "the list of videos changed" (an upload started, completed, was cancelled). */
const videoListeners = new Set<() => void>();
export const videosChanged = {
  emit: () => videoListeners.forEach((fn) => fn()),
  on: (fn: () => void) => {
    videoListeners.add(fn);
    return () => void videoListeners.delete(fn);
  },
};
