/**
 * How to start one of this package's programs in a child process: from source through tsx (as
 * `npm run demo` runs), or compiled from dist/.
 */
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * `node` arguments that run the module at `relative` (from src/, without extension, e.g.
 * `cli/main`).
 */
export function nodeArgs(relative: string): string[] {
  const file = fileURLToPath(new URL(`../${relative}${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
  return FROM_SOURCE ? ['--import', 'tsx', file] : [file];
}
