/// <reference types="node" />
// md5Base64 against RFC 1321's test suite and against Node's own MD5
// (OpenSSL), an oracle that shares no code with js-md5.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Base64 } from './md5';

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const bytes = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('md5Base64', () => {
  it('gives RFC 1321 test-suite digests, base64 as Content-MD5 wants them', () => {
    expect(md5Base64(bytes(''))).toBe(b64('d41d8cd98f00b204e9800998ecf8427e'));
    expect(md5Base64(bytes('abc'))).toBe(b64('900150983cd24fb0d6963f7d28e17f72'));
    expect(md5Base64(bytes('message digest'))).toBe(b64('f96b697d7cb7938d525a2f31aaf161d0'));
    expect(md5Base64(bytes('12345678901234567890123456789012345678901234567890123456789012345678901234567890')))
      .toBe(b64('57edf4a22be3c955ac49da2e2107b67a'));
  });

  it('agrees with OpenSSL on an 8 MiB part', () => {
    const part = new Uint8Array(8 * 1024 * 1024);
    for (let i = 0; i < part.length; i++) part[i] = (i * 2654435761) >>> 24;
    expect(md5Base64(part.buffer)).toBe(createHash('md5').update(part).digest('base64'));
  });
});
