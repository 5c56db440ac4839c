/**
 * Fuzzing of ticket checking (the `gs_ticket` a downloading peer presents; issue 6).
 *
 * Properties:
 * - for any ticket text (random, signed tickets mutated), `verifyTicket` never throws, and
 *   accepts only a ticket whose body is exactly one the tracker signed, for the payload signed;
 * - for any body that *is* signed (a tracker's own mistake or a future version), the payload it
 *   returns has the documented field types, or it is refused: a caller serves `payload.u`.
 * Signature checks cost ~0.15 ms each, so the signed-ticket property runs fewer inputs; the
 * payload parser behind it gets the full 100,000.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzz, mutatedJson, mutatedText, replayRegressions } from '@groupshare/protocol/fuzz-kit';
import { describe, it } from 'vitest';

import {
  deriveTicketSeed,
  parseTicketBody,
  signTicket,
  ticketPrivateKey,
  ticketPublicKey,
  ticketPublicKeyBase64,
  verifyTicket,
  type TicketPayload,
} from './tickets.js';

const privateKey = ticketPrivateKey(deriveTicketSeed('fuzz cluster secret'));
const publicKey = ticketPublicKey(ticketPublicKeyBase64(privateKey));
const NOW_MS = 1_700_000_000_000;
const EXPECT = { groupId: 'team', infoHash: 'ab'.repeat(20), nowMs: NOW_MS };

const payload = fc.record({
  v: fc.constant(1 as const),
  g: fc.constantFrom('team', 'other'),
  h: fc.constantFrom(EXPECT.infoHash, 'cd'.repeat(20)),
  u: fc.string({ maxLength: 8 }),
  exp: fc.integer({ min: NOW_MS / 1000 - 100, max: NOW_MS / 1000 + 100 }),
});

/** Field types a TicketPayload must have, whatever a signed body says. */
function assertPayloadShape(p: TicketPayload): void {
  assert.equal(p.v, 1);
  for (const key of ['g', 'h', 'u'] as const) assert.equal(typeof p[key], 'string', `payload.${key} is a string`);
  assert.equal(typeof p.exp, 'number');
}

function checkBody(body: string): void {
  const parsed = parseTicketBody(body);
  if (typeof parsed !== 'string') assertPayloadShape(parsed);
}

/** Inputs that once made a property fail (ticket bodies); each is replayed on every run. */
const REGRESSIONS: string[] = [
  // {"v":1,"g":"team","h":…,"u":5,"exp":…}: the old verifyTicket returned u as a number.
  Buffer.from(JSON.stringify({ v: 1, g: 'team', h: EXPECT.infoHash, u: 5, exp: 1e10 })).toString('base64url'),
];

describe('ticket fuzzing', () => {
  replayRegressions(REGRESSIONS, checkBody);

  it('parses any body to a well-typed payload or a reason', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const body = mutatedJson(payload as fc.Arbitrary<Record<string, unknown>>).map((json) => Buffer.from(json).toString('base64url'));
    fuzz(fc.property(fc.oneof(body, fc.string({ maxLength: 40 })), checkBody));
  });

  it('verifies only what was signed, and never throws', { timeout: FUZZ_TIMEOUT_MS }, () => {
    const signedBodies = new Map<string, TicketPayload>();
    const signed = payload.map((p) => {
      const ticket = signTicket(p, privateKey);
      signedBodies.set(ticket.split('.')[0] as string, { ...p }); // fc.record objects have no prototype
      return ticket;
    });
    fuzz(
      fc.property(mutatedText(signed), (ticket) => {
        const check = verifyTicket(ticket, publicKey, EXPECT);
        if (!check.ok) return;
        // Only a body the tracker signed verifies (the signature's base64 may vary harmlessly),
        // and it yields the payload that was signed.
        const p = signedBodies.get(ticket.split('.')[0] as string);
        assert.ok(p !== undefined, 'a verified ticket has a signed body');
        assert.deepEqual(check.payload, p);
      }),
      3_000,
    );
  });
});
