/**
 * Finds the built program of a workspace package: the named bin of its package.json (e.g.
 * `./dist/main.js`). The package is found through module resolution where testkit can resolve
 * it; which file resolution lands on depends on the export conditions (vitest resolves the
 * `source` one), so we walk up from it to the package.json. The client is not among testkit's
 * dependencies (the client's own tests use testkit, and a package graph has no cycles), so a
 * package testkit cannot resolve is looked for beside testkit in the workspace (`packages/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a package starts its search: its resolved entry, or its folder beside testkit's. */
function startDir(packageName: string): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(packageName));
  } catch {
    const sibling = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', packageName.replace(/^@[^/]+\//, ''));
    if (!existsSync(path.join(sibling, 'package.json'))) throw new Error(`cannot find ${packageName}: not resolvable from testkit, and no ${sibling}/package.json`);
    return sibling;
  }
}

export function workspaceBin(packageName: string, binName: string): string {
  let dir = startDir(packageName);
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
