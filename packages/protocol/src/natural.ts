import { z } from 'zod';

/**
 * A schema for an integer from 0 to `max`. `-0` is valid JSON and passes `min(0)`, but is written
 * back as `0`: it is read as 0, so what is echoed, stored and replicated is what was accepted
 * (found by fuzzing: an accepted request did not parse back to itself).
 */
export const natural = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .number()
    .int()
    .min(0)
    .max(max)
    .transform((n) => n + 0); // -0 + 0 is +0
