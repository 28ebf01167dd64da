/**
 * Fake sysfs and procfs trees in a temp dir, shaped like the kernel's (devices below /devices, bus
 * entries as symlinks, a `driver` symlink, empty bind/unbind files), and fs wrappers that record
 * operations or act like the kernel on a write.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { nodeRecoveryFs, type RecoveryFs, type RecoveryRoots } from '../../src/recovery/index.js';

export class FakeTree {
  private constructor(
    readonly dir: string,
    readonly roots: RecoveryRoots,
  ) {}

  static async create(): Promise<FakeTree> {
    const dir = await mkdtemp(join(tmpdir(), 'mmagent-recovery-'));
    const roots = { sysfs: join(dir, 'sys'), proc: join(dir, 'proc') };
    await mkdir(join(roots.sysfs, 'devices'), { recursive: true });
    await mkdir(roots.proc, { recursive: true });
    return new FakeTree(dir, roots);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  sys(...parts: string[]): string {
    return join(this.roots.sysfs, ...parts);
  }

  /** bus/<bus>/drivers/<name> with empty bind and unbind files. */
  async driver(bus: string, name: string): Promise<string> {
    const d = this.sys('bus', bus, 'drivers', name);
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'bind'), '');
    await writeFile(join(d, 'unbind'), '');
    return d;
  }

  /**
   * A device at devices/<devPath> with its bus/<bus>/devices/<name> symlink, bound to `driver`
   * (a relative `driver` symlink as the kernel makes it) or to nothing.
   */
  async device(
    bus: string,
    devPath: string,
    opts: { driver?: string; class?: string } = {},
  ): Promise<string> {
    const d = this.sys('devices', devPath);
    await mkdir(d, { recursive: true });
    const name = devPath.slice(devPath.lastIndexOf('/') + 1);
    const busDevices = this.sys('bus', bus, 'devices');
    await mkdir(busDevices, { recursive: true });
    await symlink(relative(busDevices, d), join(busDevices, name));
    if (opts.class !== undefined) await writeFile(join(d, 'class'), `${opts.class}\n`);
    if (opts.driver !== undefined) await this.link(d, bus, opts.driver);
    return d;
  }

  async link(deviceDir: string, bus: string, driver: string): Promise<void> {
    await symlink(relative(deviceDir, this.sys('bus', bus, 'drivers', driver)), join(deviceDir, 'driver'));
  }

  /** /proc/<pid>/comm and a stat line with `startTime` as field 22. */
  async process(pid: number, comm: string, startTime: string, statComm = comm): Promise<void> {
    const d = join(this.roots.proc, String(pid));
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'comm'), `${comm}\n`);
    await writeFile(join(d, 'stat'), statLine(pid, statComm, startTime));
  }

  async bytes(path: string): Promise<Buffer> {
    return readFile(path);
  }
}

/**
 * A stat line as the kernel writes it: `pid (comm) state` then fields 4 on. Fields other than 22
 * hold distinct numbers near it (21 and 23 included), so an off-by-one in the parser shows.
 */
export function statLine(pid: number, comm: string, startTime: string): string {
  const fields: string[] = [String(pid), `(${comm})`, 'S'];
  for (let n = 4; n <= 52; n++) fields.push(n === 22 ? startTime : String(900_000 + n));
  return `${fields.join(' ')}\n`;
}

/** One recorded operation: `kind path` (plus ` <data>` for writes), with the clock time when given. */
export class RecordingFs implements RecoveryFs {
  readonly ops: string[] = [];
  constructor(
    private readonly inner: RecoveryFs = nodeRecoveryFs,
    private readonly base = '',
  ) {}
  private rel(p: string): string {
    return this.base && p.startsWith(this.base) ? p.slice(this.base.length) : p;
  }
  readlink(path: string) {
    this.ops.push(`readlink ${this.rel(path)}`);
    return this.inner.readlink(path);
  }
  kind(path: string) {
    this.ops.push(`kind ${this.rel(path)}`);
    return this.inner.kind(path);
  }
  writeAttribute(path: string, data: string) {
    this.ops.push(`write ${this.rel(path)} ${data}`);
    return this.inner.writeAttribute(path, data);
  }
  readText(path: string, maxBytes: number) {
    this.ops.push(`read ${this.rel(path)}`);
    return this.inner.readText(path, maxBytes);
  }
  get writes(): string[] {
    return this.ops.filter((o) => o.startsWith('write '));
  }
}

/**
 * The kernel's side of unbind and bind on the fake tree: a write to <driver>/unbind removes the
 * device's `driver` link (it is gone once the device is unbound), a write to bind makes it again.
 * `failBind` makes the bind write fail as a probe error does.
 */
export class KernelLikeFs implements RecoveryFs {
  failBind = false;
  constructor(
    private readonly tree: FakeTree,
    private readonly deviceDir: string,
  ) {}
  readlink(path: string) {
    return nodeRecoveryFs.readlink(path);
  }
  kind(path: string) {
    return nodeRecoveryFs.kind(path);
  }
  readText(path: string, maxBytes: number) {
    return nodeRecoveryFs.readText(path, maxBytes);
  }
  async writeAttribute(path: string, data: string): Promise<void> {
    const driverDir = dirname(path);
    const bus = relative(this.tree.sys('bus'), driverDir).split('/')[0]!;
    const name = driverDir.slice(driverDir.lastIndexOf('/') + 1);
    if (path.endsWith('/bind') && this.failBind)
      throw Object.assign(new Error('ENODEV: no such device, write'), { code: 'ENODEV' });
    await nodeRecoveryFs.writeAttribute(path, data);
    if (path.endsWith('/unbind')) await unlink(join(this.deviceDir, 'driver'));
    else await this.tree.link(this.deviceDir, bus, name);
  }
}

/** Waits for `cond` by turning the event loop (real fs work finishing), never by sleeping a fixed time. */
export async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const limit = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}
