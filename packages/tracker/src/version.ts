/** The tracker's version, from its package.json (one place to change at a release). */
import { readFileSync } from 'node:fs';

export function trackerVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
