// The HLS player: hls.js over Media Source Extensions where the browser has
// them, the browser's own HLS elsewhere (Safari), and a quality menu of
// "Auto" (hls.js's adaptive choice) and each rung.
//
// hls.js is loaded on first use (its own chunk: the library and sign-in pages
// never download it) and runs on the page's thread (enableWorker: false: the
// segments are CMAF, which it passes through rather than transmuxes, and the
// CSP has no worker-src for a blob: worker). The playlist may still be
// growing (an EVENT playlist while the video is processing): playback starts
// at 0, and when the playlist ends hls.js simply carries on, so the position
// is never lost. The URL expires (PLAYBACK_URL_TTL): a fatal network error
// asks the page for a new one (onExpired), and the player starts again where
// it was.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type HlsType from 'hls.js';
import { AUTO, qualityOptions, rungName, type RungInfo } from './quality';

interface Props {
  /** the master playlist URL */
  src: string;
  title: string;
  poster?: string;
  /** the URL stopped working (expired): the page fetches a new one */
  onExpired: () => void;
  /** more for the bar under the picture */
  children?: ReactNode;
}

type Engine = 'hls.js' | 'native' | 'none';

export function HlsPlayer({ src, title, poster, onExpired, children }: Props) {
  const ref = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<HlsType | null>(null);
  /** where to start when a new URL replaces an expired one */
  const resume = useRef<{ time: number; play: boolean } | null>(null);
  const expired = useRef(onExpired);
  expired.current = onExpired;
  const [engine, setEngine] = useState<Engine | null>(null);
  const [rungs, setRungs] = useState<RungInfo[]>([]);
  const [choice, setChoice] = useState<string>(AUTO);
  const [playing, setPlaying] = useState(-1);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let stop = false;
    let hls: HlsType | null = null;
    const at = resume.current;
    resume.current = null;
    const start = async () => {
      const { default: Hls } = await import('hls.js');
      if (stop) return;
      if (!Hls.isSupported()) {
        if (el.canPlayType('application/vnd.apple.mpegurl')) {
          setEngine('native');
          el.src = src;
          if (at) el.currentTime = at.time;
        } else {
          setEngine('none');
        }
        return;
      }
      setEngine('hls.js');
      hls = new Hls({
        enableWorker: false,
        // from the beginning, even while the playlist is an EVENT one
        startPosition: at?.time ?? 0,
        // a shorter forward buffer than the default 30 s: ABR decisions come
        // every few segments, and a viewer who leaves wasted less
        maxBufferLength: 12,
      });
      hlsRef.current = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
        setRungs(d.levels.map((l) => ({ width: l.width, height: l.height, bitrate: l.bitrate })));
        if (at?.play) el.play().catch(() => undefined);
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => setPlaying(d.level));
      hls.on(Hls.Events.ERROR, (_e, d) => {
        if (!d.fatal) return;
        if (d.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls?.recoverMediaError();
          return;
        }
        // a playlist or a segment refused for good: most likely the URL
        // (and the segment URLs it signed) expired
        resume.current = { time: el.currentTime, play: !el.paused };
        expired.current();
      });
      hls.loadSource(src);
      hls.attachMedia(el);
    };
    void start();
    return () => {
      stop = true;
      hls?.destroy();
      if (hlsRef.current === hls) hlsRef.current = null;
    };
  }, [src]);

  const choose = (value: string) => {
    setChoice(value);
    const hls = hlsRef.current;
    // an immediate switch: hls.js keeps the position and flushes what it
    // had buffered in the other rung
    if (hls) hls.currentLevel = value === AUTO ? -1 : Number(value);
  };

  const options = qualityOptions(rungs, playing);
  const now = rungs[playing];
  return (
    <>
      <video
        ref={ref}
        className="player"
        poster={poster}
        controls
        playsInline
        preload="auto"
        data-engine={engine ?? undefined}
        data-level={now ? rungName(now) : undefined}
        aria-label={title}
      />
      {engine === 'none' && (
        <p className="error" role="alert">
          This browser cannot play HLS video.
        </p>
      )}
      <div className="player-bar">
        {engine === 'hls.js' && rungs.length > 0 && (
          <>
            <label htmlFor="quality">Quality</label>
            <select id="quality" value={choice} onChange={(e) => choose(e.target.value)}>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </>
        )}
        {children}
      </div>
    </>
  );
}
