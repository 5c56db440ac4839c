/**
 * The piece picker and its pure parts: rarity map, block reservations, pipelining. No I/O; the
 * download manager feeds them peers' bitfields and blocks and passes `now` and `rng`.
 */
export * from './availability.js';
export * from './blocks.js';
export * from './constants.js';
export * from './picker.js';
export * from './rarest-in-field.js';
export type * from './types.js';
