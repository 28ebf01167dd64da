/**
 * The addon's install script: node-gyp rebuild against the headers of the node that runs it when they
 * are installed beside it (Debian's /usr/include/node, an official tarball's include/node), so the
 * build needs no download of Node's headers; otherwise node-gyp's own lookup. A failed build only
 * drops this optional addon (the probe falls back), as npm does for optional dependencies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const prefix = resolve(process.execPath, '..', '..');
const nodedir = existsSync(resolve(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
// npm hands install scripts its bundled node-gyp; run by hand, node-gyp on PATH.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp
  ? [process.execPath, [gyp, 'rebuild', ...nodedir]]
  : ['node-gyp', ['rebuild', ...nodedir]];
const r = spawnSync(cmd, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
