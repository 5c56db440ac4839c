/**
 * The downloads a user has running, remembered in the client's data directory
 * (`downloads-<user>.json`), so a client that was stopped or killed (kill -9) picks them up again
 * at the next login: the piece store beside each partial file then keeps every verified piece.
 * Written atomically like the resume state; a garbled file is ignored, never fatal.
 */
import path from 'node:path';
import { idProblem } from '@groupshare/protocol';
import { readSmallFile } from '../storage/file-io.js';
import { writeStateFile } from '../storage/resume-state.js';

export interface RememberedDownload {
  groupId: string;
  name: string;
  dir: string;
}

const MAX_LIST_BYTES = 1024 * 1024;

export class DownloadList {
  constructor(private readonly dataDir: string) {}

  private file(userId: string): string {
    if (idProblem(userId)) throw new RangeError(`not a user id: ${JSON.stringify(userId)}`);
    return path.join(this.dataDir, `downloads-${userId}.json`);
  }

  async read(userId: string): Promise<RememberedDownload[]> {
    let text: string | undefined;
    try {
      text = await readSmallFile(this.file(userId), MAX_LIST_BYTES);
    } catch {
      return [];
    }
    if (!text) return [];
    try {
      const parsed = JSON.parse(text) as { downloads?: unknown };
      if (!Array.isArray(parsed.downloads)) return [];
      return parsed.downloads.filter(
        (d): d is RememberedDownload =>
          typeof d === 'object' && d !== null && typeof d.groupId === 'string' && typeof d.name === 'string' && typeof d.dir === 'string' && path.isAbsolute(d.dir),
      );
    } catch {
      return [];
    }
  }

  async write(userId: string, downloads: readonly RememberedDownload[]): Promise<void> {
    await writeStateFile(this.dataDir, this.file(userId), JSON.stringify({ format: 'groupshare-downloads/1', downloads }, null, 1));
  }
}
