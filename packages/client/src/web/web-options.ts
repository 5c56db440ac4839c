/**
 * The `--web…` options of ./client, checked at start-up: the address (loopback unless
 * `--web-allow-remote`), TLS files, the roots, the page's folder and the upload limit. Problems are start-up
 * errors (a sentence, exit status 2); a remote address that is allowed gives a warning.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHostPort, type HostPort } from '@groupshare/protocol';
import { DEFAULT_MAX_UPLOAD_BYTES, parseByteSize } from './upload-limit.js';

export interface WebFlags {
  web?: string;
  headless?: boolean;
  webAllowRemote?: boolean;
  webTlsCert?: string;
  webTlsKey?: string;
  webRoot?: string[];
  webDownloads?: string;
  webUi?: string;
  webMaxUpload?: string;
}

export interface WebSettings {
  address: HostPort;
  tls?: { cert: Buffer; key: Buffer };
  downloadsDir: string;
  roots: string[];
  uiDir?: string;
  /** The largest browser upload taken, in bytes (`--web-max-upload`, default DEFAULT_MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Said on stderr at start (a remote address). */
  warnings: string[];
}

/** A problem with the options, worded for the user. */
export class WebOptionError extends Error {}

/** Loopback addresses: the only ones served without `--web-allow-remote`. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The web settings for `flags`, or undefined without `--web`; paths are resolved from `cwd`. */
export function webSettings(flags: WebFlags, cwd: string, dataDir: string): WebSettings | undefined {
  if (flags.web === undefined) {
    if (flags.headless) throw new WebOptionError('--headless needs --web <host:port> (the web page is its only interface)');
    const stray = ['webAllowRemote', 'webTlsCert', 'webTlsKey', 'webRoot', 'webDownloads', 'webUi', 'webMaxUpload'].find((k) => flags[k as keyof WebFlags] !== undefined);
    if (stray !== undefined) throw new WebOptionError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --web <host:port>`);
    return undefined;
  }
  let address: HostPort;
  try {
    address = parseHostPort(flags.web, { allowPortZero: true });
  } catch (err) {
    throw new WebOptionError(`--web: ${(err as Error).message} (expected e.g. 127.0.0.1:8080)`);
  }
  const warnings: string[] = [];
  if (!isLoopback(address.host)) {
    if (!flags.webAllowRemote) {
      throw new WebOptionError(`--web ${flags.web}: not a loopback address; other machines could reach this peer's web interface. Add --web-allow-remote if that is what you want`);
    }
    warnings.push(
      `warning: the web interface listens on ${flags.web}, reachable from other machines${flags.webTlsCert ? '' : ', without TLS (passwords cross the network in clear; see --web-tls-cert)'}`,
    );
  }
  if ((flags.webTlsCert === undefined) !== (flags.webTlsKey === undefined)) throw new WebOptionError('--web-tls-cert and --web-tls-key go together');
  let maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
  if (flags.webMaxUpload !== undefined) {
    const parsed = parseByteSize(flags.webMaxUpload);
    if (parsed === undefined) throw new WebOptionError(`--web-max-upload ${flags.webMaxUpload}: not a size (expected e.g. 4GiB, 500MiB or a number of bytes)`);
    maxUploadBytes = parsed;
  }
  let tls: WebSettings['tls'];
  if (flags.webTlsCert !== undefined && flags.webTlsKey !== undefined) {
    const read = (file: string, what: string): Buffer => {
      try {
        return readFileSync(path.resolve(cwd, file));
      } catch (err) {
        throw new WebOptionError(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    tls = { cert: read(flags.webTlsCert, 'certificate'), key: read(flags.webTlsKey, 'key') };
  }
  return {
    address,
    ...(tls ? { tls } : {}),
    downloadsDir: path.resolve(cwd, flags.webDownloads ?? path.join(dataDir, 'downloads')),
    roots: (flags.webRoot ?? []).map((r) => path.resolve(cwd, r)),
    ...(flags.webUi !== undefined ? { uiDir: path.resolve(cwd, flags.webUi) } : {}),
    maxUploadBytes,
    warnings,
  };
}
