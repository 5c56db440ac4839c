/**
 * A canvas strip over a file's pieces (availability, or a download's piece bar), labelled for
 * screen readers by `label`, repainted when its data or its width changes.
 */
import { useEffect, useRef } from 'preact/hooks';
import { paintColumns, type Rgb } from './strip-paint.js';

export interface StripProps {
  /** The columns for a given pixel width. */
  columns: (width: number) => Rgb[];
  /** What the strip shows, as text (the canvas's accessible name). */
  label: string;
  /** Changes whenever the data changes (the base64 piece map, say). */
  version: string;
}

/** Width in device pixels of the strip at its laid-out size (at least 50). */
function pixelWidth(canvas: HTMLCanvasElement): number {
  return Math.max(50, Math.round(canvas.clientWidth * (window.devicePixelRatio || 1)));
}

export function Strip({ columns, label, version }: StripProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return undefined;
    const paint = (): void => {
      // Timed as a performance measure ("strip-paint"): the tests hold a 16,384-piece strip to 50 ms.
      const started = performance.now();
      const width = pixelWidth(canvas);
      canvas.width = width;
      canvas.height = 12;
      paintColumns(canvas, columns(width));
      performance.measure('strip-paint', { start: started, end: performance.now() });
    };
    paint();
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(paint);
    observer?.observe(canvas);
    return () => observer?.disconnect();
  }, [version]);
  return <canvas ref={ref} class="strip" role="img" aria-label={label} data-version={version} />;
}
