/**
 * Parses one replication frame into a message, or says why it is not one. Apart from the link
 * (peer-link.ts) so that the link stays about ordering and state; nothing here throws.
 */
import { ReplicationMessageSchema, type ReplicationMessage } from '@groupshare/protocol';
import type { RawData } from 'ws';

/** The message a frame carries, or the protocol violation it is (logged and closed 4000). */
export function decodeFrame(data: RawData, isBinary: boolean): { msg: ReplicationMessage } | { error: string } {
  if (isBinary) return { error: 'binary frame' };
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'invalid JSON' };
  }
  const parsed = ReplicationMessageSchema.safeParse(json);
  if (parsed.success) return { msg: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `invalid message: ${issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'schema'}` };
}
