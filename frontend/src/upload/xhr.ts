// putPart: one part PUT to its pre-signed URL with XMLHttpRequest, the one
// browser API that reports upload progress. The body is a Blob slice without
// a type, so no Content-Type is sent (it is not part of the signature); the
// browser sets Content-Length from the slice, and `headers` (Content-MD5)
// are sent as the URL's signature binds them. The part's ETag comes from the
// response header storage exposes through CORS.
import { PutError } from './scheduler';

export function putPart(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      done();
      const etag = xhr.getResponseHeader('ETag');
      if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
      else if (xhr.status >= 200 && xhr.status < 300)
        reject(new PutError(0, 'storage did not expose the ETag header (check its CORS settings)'));
      else if (xhr.status === 400 && /BadDigest/.test(xhr.responseText))
        reject(new PutError(400, 'storage refused the part: its bytes changed on the way'));
      else reject(new PutError(xhr.status, `storage answered ${xhr.status}`));
    };
    xhr.onerror = () => {
      done();
      reject(new PutError(0, 'the part upload failed (network)'));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
    };
    xhr.send(body);
  });
}
