import { describe, expect, it } from 'vitest';
import { embedPath, embedSnippet, expiryText, publicRoute, watchPath } from './share';

const ID = '0b0e6b1c-8f9a-4c3d-9e2f-1a2b3c4d5e6f';
const TOKEN = 'KOL4dUtj8IlvVixFha9QcCJgZ-KVY-1MNZkpAFHF_WY';

describe('publicRoute', () => {
  it('names the pages a stranger may open', () => {
    expect(publicRoute('/explore')).toEqual({ kind: 'explore' });
    expect(publicRoute(`/watch/${ID}`)).toEqual({ kind: 'watch', id: ID });
    expect(publicRoute(`/s/${TOKEN}`)).toEqual({ kind: 'link', token: TOKEN });
    expect(publicRoute(`/embed/${ID}`)).toEqual({ kind: 'embed', id: ID });
    expect(publicRoute(`/embed/s/${TOKEN}`)).toEqual({ kind: 'embed-link', token: TOKEN });
  });
  it('leaves every other path to the signed-in app', () => {
    for (const p of ['/', '/sessions', `/videos/${ID}`, '/watch/not-an-id', `/watch/${ID}/x`, '/s/', '/s/a+b', '/embed/', '/explorer']) {
      expect(publicRoute(p)).toBeNull();
    }
  });
});

describe('addresses', () => {
  it('point at the public page or the link, encoded', () => {
    expect(watchPath({ id: ID })).toBe(`/watch/${ID}`);
    expect(watchPath({ token: TOKEN })).toBe(`/s/${TOKEN}`);
    expect(embedPath({ id: ID })).toBe(`/embed/${ID}`);
    expect(embedPath({ token: 'a/b' })).toBe('/embed/s/a%2Fb');
  });
  it('give an iframe whose attributes a title cannot break out of', () => {
    const s = embedSnippet('https://app.example/', { token: TOKEN }, 'Tom & "Jerry" <script>');
    expect(s).toMatch(/^<iframe src="https:\/\/app\.example\/embed\/s\/[\w-]+" /);
    expect(s).toContain('title="Tom &amp; &quot;Jerry&quot; &lt;script&gt;"');
    expect(s).not.toContain('<script>');
    expect(s.endsWith('></iframe>')).toBe(true);
    expect(embedSnippet('https://app.example', { id: ID }, '')).toContain('title="vidpipe video"');
  });
});

describe('expiryText', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads as a person would say it', () => {
    expect(expiryText(null, now)).toBe('never expires');
    expect(expiryText('2026-01-01T00:00:00Z', now)).toBe('expired');
    expect(expiryText('2025-12-31T00:00:00Z', now)).toBe('expired');
    expect(expiryText('2026-01-01T00:00:30Z', now)).toBe('expires in less than a minute');
    expect(expiryText('2026-01-01T00:01:00Z', now)).toBe('expires in 1 minute');
    expect(expiryText('2026-01-01T01:00:00Z', now)).toBe('expires in 1 hour');
    expect(expiryText('2026-01-01T05:20:00Z', now)).toBe('expires in 5 hours');
    expect(expiryText('2026-01-08T00:00:00Z', now)).toBe('expires in 7 days');
  });
});
