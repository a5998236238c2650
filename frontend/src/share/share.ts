// What sharing needs that is not a component: the public pages' paths, the
// addresses and the embed snippet they hand out, the expiry choices and how
// an expiry reads, and what each visibility means.
import type { Visibility } from '../api/types';

/** The pages a stranger may open, without an account. */
export type PublicRoute =
  | { kind: 'explore' }
  | { kind: 'watch'; id: string }
  | { kind: 'link'; token: string }
  | { kind: 'embed'; id: string }
  | { kind: 'embed-link'; token: string };

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN = '[A-Za-z0-9_-]{1,128}';
const ROUTES: [RegExp, (m: RegExpExecArray) => PublicRoute][] = [
  [/^\/explore\/?$/, () => ({ kind: 'explore' })],
  [new RegExp(`^/watch/(${UUID})$`), (m) => ({ kind: 'watch', id: m[1]! })],
  [new RegExp(`^/s/(${TOKEN})$`), (m) => ({ kind: 'link', token: m[1]! })],
  [new RegExp(`^/embed/(${UUID})$`), (m) => ({ kind: 'embed', id: m[1]! })],
  [new RegExp(`^/embed/s/(${TOKEN})$`), (m) => ({ kind: 'embed-link', token: m[1]! })],
];

/** The public page a path names, or null for any other path. */
export function publicRoute(path: string): PublicRoute | null {
  for (const [re, make] of ROUTES) {
    const m = re.exec(path);
    if (m) return make(m);
  }
  return null;
}

/** Where a video is watched: its public page, or the page of its share link. */
export type Target = { id: string } | { token: string };

export function watchPath(t: Target): string {
  return 'token' in t ? `/s/${encodeURIComponent(t.token)}` : `/watch/${encodeURIComponent(t.id)}`;
}

export function embedPath(t: Target): string {
  return 'token' in t ? `/embed/s/${encodeURIComponent(t.token)}` : `/embed/${encodeURIComponent(t.id)}`;
}

const attr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The HTML another site pastes to show the player: a 16:9 iframe. */
export function embedSnippet(origin: string, t: Target, title: string): string {
  const src = origin.replace(/\/+$/, '') + embedPath(t);
  return (
    `<iframe src="${attr(src)}" title="${attr(title || 'vidpipe video')}" width="640" height="360" ` +
    `allow="autoplay; fullscreen; picture-in-picture" allowfullscreen ` +
    `referrerpolicy="no-referrer" style="border:0"></iframe>`
  );
}

/** How long a new link works: the choices the Share panel offers. */
export const EXPIRY_CHOICES: { label: string; seconds: number | null }[] = [
  { label: 'Never expires', seconds: null },
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
];

/** "never expires", "expires in 3 hours", "expired": an expiry as a person reads it. */
export function expiryText(expiresAt: string | null, now: number = Date.now()): string {
  if (expiresAt === null) return 'never expires';
  const ms = new Date(expiresAt).getTime() - now;
  if (!Number.isFinite(ms)) return `expires ${expiresAt}`;
  if (ms <= 0) return 'expired';
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const n = Math.round(ms / size);
      return `expires in ${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return 'expires in less than a minute';
}

export const VISIBILITIES: { value: Visibility; label: string; hint: string }[] = [
  { value: 'private', label: 'Private', hint: 'Only you, and whoever has a share link.' },
  { value: 'unlisted', label: 'Unlisted', hint: 'Anyone with its address; not listed in Explore.' },
  { value: 'public', label: 'Public', hint: 'Anyone; listed in Explore.' },
];
