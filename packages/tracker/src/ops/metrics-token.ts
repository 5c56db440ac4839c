/**
 * `--metrics-token-file`: the bearer token a Prometheus server outside the trusted addresses
 * sends to read `/metrics`. Kept in a file (not a flag) so it is in no process listing, and the
 * file must be private for the same reason as the cluster secret.
 */
import { readFileSync, statSync } from 'node:fs';

/** Shortest token accepted: a guessable token would open the metrics to anyone. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

export class MetricsTokenError extends Error {
  readonly code = 'ERR_METRICS_TOKEN';
  override readonly name = 'MetricsTokenError';
}

/** @throws {MetricsTokenError} for a file unreadable, readable by others, or holding a short token. */
export function readMetricsToken(file: string): string {
  let token: string;
  try {
    const mode = statSync(file).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new MetricsTokenError(`the metrics token file ${file} can be read or written by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): run \`chmod 600 ${file}\``);
    }
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (err instanceof MetricsTokenError) throw err;
    throw new MetricsTokenError(`cannot read the metrics token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token)) {
    throw new MetricsTokenError(`the metrics token in ${file} must be one word of at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32 > ${file}\`)`);
  }
  return token;
}
