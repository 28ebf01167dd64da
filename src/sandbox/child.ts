/**
 * Ending the helper processes the sandbox starts (tun holders, namespace bridges, test peers): they
 * exit when their stdin closes, so they cannot outlive the process that started them.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Closes the child's stdin and waits for it to exit; SIGKILL after `graceMs`. */
export async function stopByStdin(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}
