/**
 * `--headless`: the peer without a shell, for a service manager or nohup. It resumes the
 * remembered session (shares and downloads start again, as at a login), or waits for a login
 * through the web page; then it keeps serving until `shutdown` resolves (SIGTERM or SIGINT in
 * the real process). A tracker that cannot be reached at start is asked again every few seconds;
 * a session the trackers no longer know is forgotten, and the page's login is awaited.
 */
import { printLogin } from './commands/accounts.js';
import { describeError } from './errors.js';
import type { Output } from './output.js';
import type { PeerService } from './service/peer-service.js';

const RETRY_MS = 5_000;

export async function runHeadless(service: PeerService, out: Output, shutdown: Promise<unknown>): Promise<void> {
  let stopped = false;
  void shutdown.then(() => (stopped = true));
  const resume = async (): Promise<void> => {
    while (!stopped && service.userId === undefined) {
      try {
        const report = await service.resumeRemembered();
        if (report === undefined) {
          out.info('no remembered session: waiting for a login on the web page');
          return;
        }
        printLogin({ out }, report);
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ERR_SESSION_INVALID') {
          out.warn('the remembered session has ended: waiting for a login on the web page');
          return;
        }
        if (stopped) return;
        out.warn(`could not resume the remembered session (${describeError(err)}); trying again in ${RETRY_MS / 1000} s`);
        await Promise.race([shutdown, new Promise((r) => setTimeout(r, RETRY_MS).unref())]);
      }
    }
  };
  await Promise.race([resume(), shutdown]);
  await shutdown;
}

/** Resolves at the first SIGTERM or SIGINT (the listeners are removed then). */
export function untilSignalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
