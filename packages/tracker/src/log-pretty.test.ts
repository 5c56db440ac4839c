import { describe, expect, it } from 'vitest';
import { prettyLogLine } from './log-pretty.js';

describe('prettyLogLine', () => {
  it('gives the ISO time, level, message, then the other fields as key=value on one line', () => {
    const line = JSON.stringify({ level: 40, time: '2026-12-07T21:40:02.123Z', pid: 7, hostname: 'h', tracker: 1, event: 'login_failed', userId: 'kel vin', ip: '127.0.0.1', msg: 'login failed' });
    expect(prettyLogLine(`${line}\n`)).toBe('2026-12-07T21:40:02.123Z WARN  login failed  event=login_failed userId="kel vin" ip=127.0.0.1\n');
  });

  it('keeps an error to its message and first stack frame, and a message with newlines on one line', () => {
    const err = { type: 'Error', message: 'disk I/O error', stack: 'Error: disk I/O error\n    at write (store.js:10:5)\n    at run (x.js:1:1)' };
    const out = prettyLogLine(JSON.stringify({ level: 50, time: 0, msg: 'request\nfailed', err }));
    expect(out).toBe('1970-01-01T00:00:00.000Z ERROR request failed  err="disk I/O error" (at write (store.js:10:5))\n');
    expect(out.split('\n')).toHaveLength(2);
  });

  it('passes a line that is not JSON through as it is, and colours the level only when asked', () => {
    expect(prettyLogLine('not json\n')).toBe('not json\n');
    const info = JSON.stringify({ level: 30, time: '2026-12-07T21:40:02.123Z', msg: 'hi' });
    expect(prettyLogLine(info, true)).toContain('\x1b[32mINFO \x1b[39m');
    expect(prettyLogLine(info)).not.toContain('\x1b');
  });
});
