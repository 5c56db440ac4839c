/**
 * Finds the built program of a workspace package: the named bin of its package.json (e.g.
 * `./dist/main.js`). The package is found through module resolution rather than a path into the
 * tree; which file resolution lands on depends on the export conditions (vitest resolves the
 * `source` one), so we walk up from it to the package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export function workspaceBin(packageName: string, binName: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(packageName));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; bin?: Record<string, string> };
      if (pkg.name === packageName) {
        const bin = pkg.bin?.[binName];
        if (bin === undefined) throw new Error(`${manifest} has no ${binName} bin`);
        const main = path.resolve(dir, bin);
        if (!existsSync(main)) throw new Error(`${main} is missing: build first (pnpm run build)`);
        return main;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${packageName}`);
    dir = parent;
  }
}
