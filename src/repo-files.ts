/**
 * Files shipped with the agent (schemas, examples) are found from the package root, so the same code
 * works run from source (tsx) and compiled (dist/).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}

/** A path inside the package, e.g. `packageFile('schemas', 'wwan-config.schema.json')`. */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
