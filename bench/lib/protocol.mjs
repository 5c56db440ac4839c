// groupshare's protocol package, built (packages/protocol/dist). The stock-client benchmark takes
// the piece-length rule and bencode from it rather than from copies, so a .torrent made here has
// the same piece length groupshare would choose for the same file (a fair comparison) and a change
// of that rule reaches both sides.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { repoRoot } from './results.mjs';

const entry = path.join(repoRoot, 'packages/protocol/dist/index.js');
if (!existsSync(entry)) {
  throw new Error(`${path.relative(process.cwd(), entry)} is missing: build the workspace first (npx -y pnpm@10.34.8 run setup)`);
}

/** `{ bencode, choosePieceLength, infoDictionary, ... }` from @groupshare/protocol. */
export const protocol = await import(pathToFileURL(entry).href);
