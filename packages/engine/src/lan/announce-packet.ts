/**
 * The LAN announce datagram (docs/lan.md): one per interface and address family, carrying one
 * sealed section per group of the sender. Pure: no sockets, the clock and nonce come in.
 *
 *   "GSL1" | time (uint64 BE, ms) | nonce (16) | section count (1) | sections
 *   section: hint (8) | length (uint16 BE) | AES-256-GCM ciphertext of the body (length) | tag (16)
 *   body:    member signature (64) | JSON { c: certificate, p: peer port, f: [[info-hash hex, name, size]] }, padded
 *
 * Each section is sealed under a key derived from its group's key (the header is its associated
 * data), so only members read it, and the padding hides how many files it lists to within 128
 * bytes. The hint (an HMAC of the nonce) tells a member which of its keys opens a section without
 * naming the group: a fresh nonce each time makes every hint look random to anyone else. Inside,
 * the sender's member certificate (signed by the trackers) gives its user id and announce key,
 * and the member signature over header, group id and JSON proves the section was written by the
 * certificate's holder. Freshness (the time and the nonce) is checked by the listener
 * (replay-guard.ts).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import { MAX_FILE_SIZE, fileNameProblem, verifyMemberCertificate } from '@groupshare/protocol';
import { ed25519PublicKey } from './member-key.js';

const MAGIC = Buffer.from('GSL1');
const HEADER_LENGTH = MAGIC.length + 8 + 16 + 1;
const HINT_LENGTH = 8;
const TAG_LENGTH = 16;
const SIGNATURE_LENGTH = 64;
const PAD_TO = 128;
/** Largest datagram sent or read: one UDP datagram (IP fragments it on the wire if needed). */
export const MAX_ANNOUNCE_BYTES = 60_000;
/** Most sections read from one datagram: more is hostile, and each costs an HMAC per key. */
const MAX_SECTIONS = 64;

/** A group's key (of one key epoch) and what is derived from it, computed once per credential refresh. */
export interface GroupSecret {
  groupId: string;
  /** The key epoch the group key belongs to: certificates in sections it opens must name it. */
  epoch: number;
  sealKey: Buffer;
  hintKey: Buffer;
}

export function groupSecret(groupId: string, groupKey: Uint8Array, epoch = 0): GroupSecret {
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', groupKey, 'groupshare-lan', info, 32));
  return { groupId, epoch, sealKey: derive('announce seal'), hintKey: derive('announce hint') };
}

/** What one member announces in one group. */
export interface GroupAnnounce {
  secret: GroupSecret;
  certificate: string;
  /** The port of the member's peer server. */
  port: number;
  /** The files it serves in the group. */
  files: readonly AnnouncedFile[];
}

/** A file as announced: what the LAN catalog lists. */
export interface AnnouncedFile {
  /** Info-hash, lowercase hex. */
  infoHash: string;
  name: string;
  size: number;
}

function hint(secret: GroupSecret, nonce: Uint8Array): Buffer {
  return createHmac('sha256', secret.hintKey).update(nonce).digest().subarray(0, HINT_LENGTH);
}

function signed(header: Buffer, groupId: string, json: Buffer): Buffer {
  return Buffer.concat([header, Buffer.from(groupId, 'utf8'), Buffer.from([0]), json]);
}

/**
 * The datagram announcing `groups`, signed with the member's private announce key. Sections that
 * would make it longer than {@link MAX_ANNOUNCE_BYTES} are left out (`omitted` counts them).
 */
export function sealAnnounce(input: { nowMs: number; nonce: Uint8Array; memberKey: KeyObject; groups: readonly GroupAnnounce[] }): { packet: Buffer; omitted: number } {
  if (input.nonce.length !== 16) throw new RangeError('the nonce is 16 bytes');
  const header = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(header, 0);
  header.writeBigUInt64BE(BigInt(Math.floor(input.nowMs)), 4);
  Buffer.from(input.nonce).copy(header, 12);
  // Which sections fit first: the count is part of the header every section authenticates.
  const chosen: Array<{ g: GroupAnnounce; json: Buffer }> = [];
  let size = HEADER_LENGTH;
  for (const g of input.groups) {
    let json = Buffer.from(JSON.stringify({ c: g.certificate, p: g.port, f: g.files.map((f) => [f.infoHash, f.name, f.size]) }));
    json = Buffer.concat([json, Buffer.alloc((PAD_TO - ((json.length + SIGNATURE_LENGTH) % PAD_TO)) % PAD_TO, 0x20)]);
    const bytes = HINT_LENGTH + 2 + SIGNATURE_LENGTH + json.length + TAG_LENGTH;
    if (chosen.length >= MAX_SECTIONS || size + bytes > MAX_ANNOUNCE_BYTES) continue;
    chosen.push({ g, json });
    size += bytes;
  }
  header.writeUInt8(chosen.length, HEADER_LENGTH - 1);
  const parts: Buffer[] = [];
  for (const { g, json } of chosen) {
    const signature = sign(null, signed(header, g.secret.groupId, json), input.memberKey);
    const cipher = createCipheriv('aes-256-gcm', g.secret.sealKey, Buffer.from(input.nonce).subarray(0, 12));
    cipher.setAAD(header);
    const sealed = Buffer.concat([cipher.update(signature), cipher.update(json), cipher.final(), cipher.getAuthTag()]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(SIGNATURE_LENGTH + json.length);
    parts.push(hint(g.secret, input.nonce), len, sealed);
  }
  const omitted = input.groups.length - chosen.length;
  return { packet: Buffer.concat([header, ...parts]), omitted };
}

/** One section a member could open and whose certificate and signature hold. */
export interface OpenedSection {
  groupId: string;
  /** The group's key epoch the section was sealed and certified at. */
  epoch: number;
  userId: string;
  /** The sender's announce key (raw, base64), as its certificate binds it. */
  memberKey: string;
  port: number;
  files: AnnouncedFile[];
  /** Certificate expiry, ms since the epoch. */
  certificateExpiresAt: number;
}

export type OpenedAnnounce = { ok: true; sentAt: number; nonce: string; sections: OpenedSection[] } | { ok: false; reason: string };

const INFO_HASH = /^[0-9a-f]{40}$/;

/** The send time and nonce of what looks like an announce (nothing verified yet), or undefined. */
export function peekAnnounce(packet: Buffer): { sentAt: number; nonce: string } | undefined {
  if (packet.length < HEADER_LENGTH || packet.length > MAX_ANNOUNCE_BYTES || !packet.subarray(0, 4).equals(MAGIC)) return undefined;
  return { sentAt: Number(packet.readBigUInt64BE(4)), nonce: packet.subarray(12, 28).toString('hex') };
}

/**
 * Reads `packet` with this member's group secrets. A datagram is accepted only when at least one
 * section opens under one of them and carries a valid certificate for that very group, signed by
 * the trackers (`ticketKey`), and a valid signature by the certificate's key; a section that fails
 * any check makes the whole datagram rejected (a forger gains nothing by mixing). The certificate
 * must also be of the key epoch of the secret that opened it. Never throws.
 */
export function openAnnounce(packet: Buffer, secrets: readonly GroupSecret[], ticketKey: KeyObject, nowMs: number): OpenedAnnounce {
  if (packet.length < HEADER_LENGTH || packet.length > MAX_ANNOUNCE_BYTES || !packet.subarray(0, 4).equals(MAGIC)) return { ok: false, reason: 'not an announce' };
  const header = packet.subarray(0, HEADER_LENGTH);
  const sentAt = Number(header.readBigUInt64BE(4));
  const nonce = header.subarray(12, 28);
  const count = header.readUInt8(HEADER_LENGTH - 1);
  if (count > MAX_SECTIONS) return { ok: false, reason: 'too many sections' };
  const hints = secrets.map((s) => ({ secret: s, hint: hint(s, nonce) }));
  const sections: OpenedSection[] = [];
  let at = HEADER_LENGTH;
  for (let i = 0; i < count; i++) {
    if (at + HINT_LENGTH + 2 > packet.length) return { ok: false, reason: 'truncated' };
    const h = packet.subarray(at, at + HINT_LENGTH);
    const length = packet.readUInt16BE(at + HINT_LENGTH);
    const start = at + HINT_LENGTH + 2;
    at = start + length + TAG_LENGTH;
    if (at > packet.length || length < SIGNATURE_LENGTH) return { ok: false, reason: 'truncated' };
    const mine = hints.find((x) => x.hint.equals(h));
    if (mine === undefined) continue; // another group's section: not ours to read
    const opened = openSection(header, mine.secret, packet.subarray(start, start + length), packet.subarray(start + length, at), ticketKey, nowMs);
    if (typeof opened === 'string') return { ok: false, reason: opened };
    sections.push(opened);
  }
  if (at !== packet.length) return { ok: false, reason: 'trailing bytes' };
  if (sections.length === 0) return { ok: false, reason: 'no section for our groups' };
  return { ok: true, sentAt, nonce: nonce.toString('hex'), sections };
}

function openSection(header: Buffer, secret: GroupSecret, ciphertext: Buffer, tag: Buffer, ticketKey: KeyObject, nowMs: number): OpenedSection | string {
  let body: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret.sealKey, header.subarray(12, 24));
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    body = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return 'section does not authenticate';
  }
  const json = body.subarray(SIGNATURE_LENGTH);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    return 'section is not JSON';
  }
  const b = parsed as { c?: unknown; p?: unknown; f?: unknown } | null;
  if (typeof b !== 'object' || b === null || !Number.isInteger(b.p) || (b.p as number) < 1 || (b.p as number) > 65535) return 'malformed section';
  const files = Array.isArray(b.f) ? b.f.map(announcedFile) : undefined;
  if (files === undefined || files.some((f) => f === undefined)) return 'malformed file list';
  const cert = verifyMemberCertificate(b.c, ticketKey, nowMs);
  if (!cert.ok) return `certificate: ${cert.reason}`;
  if (cert.payload.g !== secret.groupId) return 'certificate is for another group';
  // A certificate of an older epoch was issued before a membership ended: its holder may be the
  // member who left (with a section sealed by someone holding the current key, or by itself).
  if (cert.payload.e !== secret.epoch) return 'certificate is for another key epoch';
  let valid = false;
  try {
    valid = verify(null, signed(header, secret.groupId, json), ed25519PublicKey(cert.payload.k), body.subarray(0, SIGNATURE_LENGTH));
  } catch {
    valid = false;
  }
  if (!valid) return 'bad member signature';
  return { groupId: secret.groupId, epoch: secret.epoch, userId: cert.payload.u, memberKey: cert.payload.k, port: b.p as number, files: files as AnnouncedFile[], certificateExpiresAt: cert.payload.exp * 1000 };
}

/** `[info-hash, name, size]` as a file, if every part holds (a member's name rules included). */
function announcedFile(x: unknown): AnnouncedFile | undefined {
  if (!Array.isArray(x) || x.length !== 3) return undefined;
  const [infoHash, name, size] = x as [unknown, unknown, unknown];
  if (typeof infoHash !== 'string' || !INFO_HASH.test(infoHash)) return undefined;
  if (typeof name !== 'string' || fileNameProblem(name) !== undefined) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE) return undefined;
  return { infoHash, name, size };
}
