// RateMeter: speed over a sliding window of progress samples, and the time
// left at that speed. Bytes can go back (a failed part is counted again from
// zero); the window then restarts rather than showing a negative speed.

export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(t: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  /** Bytes per second, or null before there is a second sample. */
  speed(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 250) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  /** Seconds until `total`, or null when the speed is unknown or zero. */
  eta(total: number): number | null {
    const s = this.speed();
    const last = this.samples[this.samples.length - 1];
    if (s === null || s <= 0 || !last) return null;
    return Math.max(0, (total - last.bytes) / s);
  }
}
