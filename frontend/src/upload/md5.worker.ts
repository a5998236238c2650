// A worker that hashes parts: {id, blob} in, {id, md5} or {id, error} out.
import { md5Base64 } from './md5';

interface Scope {
  onmessage: ((e: MessageEvent<{ id: number; blob: Blob }>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = self as unknown as Scope;

scope.onmessage = (e) => {
  const { id, blob } = e.data;
  blob.arrayBuffer().then(
    (buf) => scope.postMessage({ id, md5: md5Base64(buf) }),
    (err: unknown) => scope.postMessage({ id, error: String(err) }),
  );
};
