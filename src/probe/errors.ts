/**
 * Error texts. Where EVE (Go) has a wording the agent's status will carry, we keep it: Go's
 * `dial tcp HOST:PORT: connect: connection refused`, `... i/o timeout`, go-fastping's callers'
 * `no ping response received from X`. Errno texts are glibc's strerror (what Go prints), so a status
 * reads the same whichever agent wrote it.
 */
import { constants } from 'node:os';

const STRERROR: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAFNOSUPPORT: 'address family not supported by protocol',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  ECONNABORTED: 'software caused connection abort',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTDOWN: 'host is down',
  EHOSTUNREACH: 'no route to host',
  EINVAL: 'invalid argument',
  EMSGSIZE: 'message too long',
  ENETDOWN: 'network is down',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
  ENODEV: 'no such device',
  ENOMEM: 'cannot allocate memory',
  ENXIO: 'no such device or address',
  EPERM: 'operation not permitted',
  EPROTONOSUPPORT: 'protocol not supported',
  ETIMEDOUT: 'connection timed out',
};

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** The errno name (EINVAL) of an errno number, or `errno N` when the platform has none. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** strerror-like text of an errno name: `connection refused`; unknown names stay as they are. */
export function errnoText(code: string): string {
  return STRERROR[code] ?? code;
}

/** The errno name of an error from Node (`code: 'ECONNREFUSED'`) or from our addon (`errno: 111`). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  if (typeof errno === 'number') return errnoName(errno);
  return undefined;
}

/** `connect: connection refused` (Go's shape) from a system error; the message for anything else. */
export function describe(err: unknown): string {
  const code = errorCode(err);
  if (code !== undefined) {
    const syscall = (err as { syscall?: unknown }).syscall;
    const text = errnoText(code);
    return typeof syscall === 'string' && syscall !== '' ? `${syscall}: ${text}` : text;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Go's `JoinHostPort`: IPv6 literals in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
