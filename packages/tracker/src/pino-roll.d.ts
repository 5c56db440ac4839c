/** pino-roll ships no types; this is the part of its API the tracker's logger uses. */
declare module 'pino-roll' {
  import type pino from 'pino';

  export interface PinoRollOptions {
    /** Base path; files are `<file>.<n><extension>`. */
    file: string;
    extension?: string;
    /** Roll past this size: a number of MB, or a string like `'512k'`. */
    size?: number | string;
    /** `count`: how many files to keep; `removeOtherLogFiles`: also earlier runs' files. */
    limit?: { count: number; removeOtherLogFiles?: boolean };
    /** Keep `current.log` beside the files, pointing at the one being written. */
    symlink?: boolean;
    mkdir?: boolean;
    sync?: boolean;
    mode?: number;
  }

  /** A SonicBoom writing the current file, whose path is `file` (it has `reopen`, `flushSync`, `end`). */
  export default function build(options: PinoRollOptions): Promise<ReturnType<typeof pino.destination> & { readonly file: string }>;
}
