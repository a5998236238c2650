// The quality menu of the HLS player: "Auto" (adaptive) and one entry per
// rung, named as the API names renditions (the picture's shorter side and
// "p"), best first. Pure, so the naming and order are unit-tested.

/** What the player knows of a rung (hls.js's Level has more). */
export interface RungInfo {
  width: number;
  height: number;
  bitrate: number;
}

export interface QualityOption {
  /** the value of the <option>: "auto", or the rung's index in the player */
  value: string;
  label: string;
}

export const AUTO = 'auto';

/** "720p" for 1280×720 and for a portrait 720×1280. */
export function rungName(r: Pick<RungInfo, 'width' | 'height'>): string {
  return `${Math.min(r.width, r.height)}p`;
}

/**
 * The menu: "Auto", labelled with the rung it plays now when one is known
 * ("Auto (480p)"), then every rung best first.
 */
export function qualityOptions(rungs: RungInfo[], playing: number): QualityOption[] {
  const now = rungs[playing];
  const auto = { value: AUTO, label: now ? `Auto (${rungName(now)})` : 'Auto' };
  const order = rungs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Math.min(b.r.width, b.r.height) - Math.min(a.r.width, a.r.height) || b.r.bitrate - a.r.bitrate);
  return [auto, ...order.map(({ r, i }) => ({ value: String(i), label: rungName(r) }))];
}

/**
 * How long the watch page waits before asking for the video again: every
 * half second while it cannot be watched yet (the first segments arrive
 * seconds after the upload, and each wait adds to the time to the first
 * frame), at a calmer pace while it plays and is still processing (only the
 * status line changes), never once it is final.
 */
export function pollDelay(status: string, watchable: boolean, complete: boolean): number | null {
  if (status === 'failed' || complete || (status === 'ready' && !watchable)) return null;
  return watchable ? 4000 : 500;
}
