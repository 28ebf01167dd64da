/**
 * Where a (agent, topic) pair lives (socketdriver/driver.go): the socket `<runDir>/<agent>/<Topic>.sock`
 * and the checkpoint directory `<runDir>/<agent>/<Topic>/`. EVE's runDir is /run (/var/run links to it).
 */
import { join } from 'node:path';

export interface TopicAddress {
  readonly runDir: string;
  readonly agent: string;
  readonly topic: string;
}

/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export function socketPath(a: TopicAddress): string {
  return join(a.runDir, a.agent, `${a.topic}.sock`);
}

export function checkpointDir(a: TopicAddress): string {
  return join(a.runDir, a.agent, a.topic);
}

/** Why the address cannot be used, or undefined: names that would escape or break the layout. */
export function addressProblem(a: TopicAddress): string | undefined {
  for (const [what, v] of [
    ['agent', a.agent],
    ['topic', a.topic],
  ] as const) {
    if (v === '' || v === '.' || v === '..' || /[/\s\0]/.test(v))
      return `invalid ${what} name ${JSON.stringify(v)}`;
  }
  const sock = socketPath(a);
  if (Buffer.byteLength(sock) > MAX_SOCKET_PATH)
    return `socket path longer than ${MAX_SOCKET_PATH} bytes: ${sock}`;
  return undefined;
}
