import { ConnectionLostError, LinkStoppedError, TrackerUnavailableError } from '@groupshare/engine';
import { ERROR_CODES, ProtocolError } from '@groupshare/protocol';
import { describe, expect, it } from 'vitest';
import { CommandError, describeError, KNOWN_ERROR_CODES, LINK_ERROR_CODES, SENTENCES } from './errors.js';

describe('error sentences', () => {
  it('has a sentence for every tracker code and every link code', () => {
    // A code added to the protocol (or the engine) without a sentence here fails this test.
    for (const code of [...ERROR_CODES, ...LINK_ERROR_CODES]) {
      expect(SENTENCES[code], code).toMatch(/^[a-z].{10,}[^.]$/);
    }
    expect(Object.keys(SENTENCES).sort()).toEqual([...KNOWN_ERROR_CODES].sort());
  });

  it('says what happened in the user\'s terms, not the tracker\'s', () => {
    const err = new ProtocolError('ERR_NOT_GROUP_OWNER', 'accept_request: only the owner of "lab" may do this');
    expect(describeError(err)).toBe("only the group's owner may do that; list_groups shows who it is");
  });

  it('tells someone refused at registration whom to ask for an account', () => {
    const err = new ProtocolError('ERR_REGISTRATION_CLOSED', 'registration is closed');
    expect(describeError(err)).toBe("this tracker's operator makes the accounts; ask them for one");
  });

  it('keeps the tracker\'s detail where it names the field at fault, escaped', () => {
    const err = new ProtocolError('ERR_BAD_MESSAGE', 'create_group: groupId: bad\u001b[31m');
    expect(describeError(err)).toBe('the tracker refused the request as malformed: create_group: groupId: bad\\x1b[31m');
  });

  it('says how long to wait when the tracker says so', () => {
    expect(describeError(new ProtocolError('ERR_RATE_LIMITED', 'slow down', 30_000))).toMatch(/\(retry in 30 s\)$/);
  });

  it('falls back to the tracker\'s message for a code this build does not know', () => {
    const err = new ProtocolError('ERR_FROM_THE_FUTURE' as never, 'something new\u0007');
    expect(describeError(err)).toBe('the tracker refused: something new\\x07 (ERR_FROM_THE_FUTURE)');
  });

  it('adds the link\'s own explanation (which tracker, how to check) to link errors', () => {
    const lost = new ConnectionLostError('the tracker connection broke before create_group was answered; it may or may not have happened — check with list_groups');
    expect(describeError(lost)).toMatch(/^the connection to the tracker broke before it answered: .*check with list_groups$/);
    expect(describeError(new TrackerUnavailableError('no tracker could be reached within 15000 ms'))).toMatch(/^no tracker could be reached: /);
    expect(describeError(new LinkStoppedError('stopped'))).toBe('the client is shutting down');
  });

  it('shows a local command error as it is and anything else as unexpected', () => {
    expect(describeError(new CommandError('give the password on the line'))).toBe('give the password on the line');
    expect(describeError(new Error('boom'))).toBe('unexpected failure: boom');
  });
});
