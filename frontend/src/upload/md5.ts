// The MD5 of a part as Content-MD5 carries it (base64 of the 16 bytes).
// js-md5 is plain JavaScript (~400 MiB/s on an 8 MiB slice here), so the
// page's Content-Security-Policy needs no 'wasm-unsafe-eval'; it runs in a
// worker (md5.worker.ts) so hashing never blocks the page.
import { md5 } from 'js-md5';

export function md5Base64(bytes: ArrayBuffer): string {
  return md5.base64(bytes);
}
