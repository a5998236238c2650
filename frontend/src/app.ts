// The app's one AuthClient and API, for the API origin fixed at build time.
import { AuthClient, browserLock, localHint } from './api/auth';
import { makeApi } from './api/api';
import { makePublicApi } from './api/public';
import { API_URL } from './config';

export { API_URL };

export const auth = new AuthClient({ baseUrl: API_URL, lock: browserLock(), hint: localHint() });
export const api = makeApi(auth);
/** The routes a stranger may call: no token, no cookie. */
export const publicApi = makePublicApi(API_URL);

/** A small event bus: "the list of videos changed" (an upload started, completed, was cancelled). */
const videoListeners = new Set<() => void>();
export const videosChanged = {
  emit: () => videoListeners.forEach((fn) => fn()),
  on: (fn: () => void) => {
    videoListeners.add(fn);
    return () => void videoListeners.delete(fn);
  },
};
