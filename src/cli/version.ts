/** The agent's version, from package.json (read at run time: two levels up from src/cli or dist/src/cli). */
import { readFileSync } from 'node:fs';

export function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'mmagent-ts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there (bundled or installed elsewhere); try the next place
    }
  }
  return 'unknown';
}
