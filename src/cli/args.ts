/**
 * `mmagent <command> [options]` parsing with node:util parseArgs. The result is a typed command or
 * a usage error with a one-line message; nothing here throws or prints.
 *
 * parseArgs runs non-strict and its tokens are checked here, so that every mistake gets a short
 * message naming the command and the option (parseArgs' own strict-mode errors are long and name
 * neither the command nor what would be right).
 */
import { parseArgs } from 'node:util';
import { toPinoLevel } from '../io/log.js';
import { parseListen } from '../visualizer/server.js';
import {
  COMMAND_NAMES,
  type CommandName,
  DEFAULT_PERSIST_DIR,
  DEFAULT_RESOLV_DIR,
  DEFAULT_RUN_DIR,
  OVERVIEW,
  USAGE,
} from './usage.js';

export type OutputFormat = 'text' | 'json';

/** Where `mmagent run` takes its inputs from and puts its outputs. */
export type RunIo =
  | {
      readonly kind: 'files';
      readonly config: string;
      readonly statusDir: string;
      readonly globalConfig: string | undefined;
    }
  | { readonly kind: 'pubsub'; readonly runDir: string; readonly persistDir: string };

export interface RunCommand {
  readonly command: 'run';
  readonly io: RunIo;
  readonly resolvDir: string;
  /** `--http [HOST:]PORT`: the visualizer's read-only HTTP server (off when undefined). */
  readonly http: { readonly host: string; readonly port: number } | undefined;
  /**
   * As given (an EVE or pino level name, already checked to be one); undefined when not given. A
   * given level is kept whatever the global config says, as EVE's `-d` flag is.
   */
  readonly logLevel: string | undefined;
}
export interface ValidateCommand {
  readonly command: 'validate';
  readonly file: string;
}
export interface PlanCommand {
  readonly command: 'plan';
  readonly config: string;
  readonly snapshot: string | undefined;
  readonly globalConfig: string | undefined;
  readonly output: OutputFormat;
  readonly detailedExitcode: boolean;
  readonly noColor: boolean;
  /** Where the agent keeps per-interface DNS files (read only, to observe the DNS items). */
  readonly resolvDir: string;
}
export type GraphFormat = 'html' | 'dot' | 'json';

export interface GraphCommand {
  readonly command: 'graph';
  readonly config: string;
  readonly snapshot: string | undefined;
  readonly globalConfig: string | undefined;
  readonly resolvDir: string;
  readonly output: string;
  /** undefined: from the output's extension. */
  readonly format: GraphFormat | undefined;
}

export interface SnapshotCommand {
  readonly command: 'snapshot';
  /** undefined or '-': standard output. */
  readonly output: string | undefined;
  readonly resolvDir: string;
}
export interface DemoCommand {
  readonly command: 'demo';
  /** --no-wait: exit when the story is done instead of waiting for Ctrl-C. */
  readonly noWait: boolean;
}
export interface HelpCommand {
  readonly command: 'help';
  /** The text to print (overall or for one command). */
  readonly text: string;
}
export interface VersionCommand {
  readonly command: 'version';
}

export type Command =
  | RunCommand
  | ValidateCommand
  | PlanCommand
  | GraphCommand
  | SnapshotCommand
  | DemoCommand
  | HelpCommand
  | VersionCommand;

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | {
      readonly ok: false;
      /** One line, e.g. "mmagent run: missing required option --config". */
      readonly message: string;
      /** The usage text of the command concerned (or the overview). */
      readonly usage: string;
    };

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly required?: boolean;
  /** Allowed values, or a checker returning an error text. */
  readonly check?: readonly string[] | ((v: string) => string | undefined);
}

interface CommandSpec {
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional arguments, all required. */
  readonly positionals: readonly string[];
}

const checkLevel = (v: string) =>
  toPinoLevel(v) ? undefined : 'must be one of all, trace, debug, info, warn, error, fatal, panic, none';

/** Option specs per command; the help options are added to every command. */
export const SPECS: Readonly<Record<CommandName, CommandSpec>> = {
  run: {
    options: {
      // Required in file mode only: checked in runCommand, which knows the mode.
      config: { type: 'string' },
      'status-dir': { type: 'string' },
      'resolv-dir': { type: 'string' },
      'global-config': { type: 'string' },
      'log-level': { type: 'string', check: checkLevel },
      pubsub: { type: 'boolean' },
      http: {
        type: 'string',
        check: (v) => ('error' in parseListen(v) ? 'must be PORT or HOST:PORT (port 0..65535)' : undefined),
      },
      'run-dir': { type: 'string' },
      'persist-dir': { type: 'string' },
    },
    positionals: [],
  },
  validate: { options: {}, positionals: ['FILE'] },
  plan: {
    options: {
      config: { type: 'string', required: true },
      snapshot: { type: 'string' },
      'global-config': { type: 'string' },
      output: { type: 'string', short: 'o', check: ['text', 'json'] },
      'detailed-exitcode': { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'resolv-dir': { type: 'string' },
    },
    positionals: [],
  },
  graph: {
    options: {
      config: { type: 'string', required: true },
      snapshot: { type: 'string' },
      'global-config': { type: 'string' },
      output: { type: 'string', short: 'o', required: true },
      format: { type: 'string', check: ['html', 'dot', 'json'] },
      'resolv-dir': { type: 'string' },
    },
    positionals: [],
  },
  snapshot: {
    options: { output: { type: 'string', short: 'o' }, 'resolv-dir': { type: 'string' } },
    positionals: [],
  },
  demo: { options: { 'no-wait': { type: 'boolean' } }, positionals: [] },
};

const HELP: OptionSpec = { type: 'boolean', short: 'h' };

type Values = Record<string, string | boolean | undefined>;
type Parsed =
  | { ok: true; values: Values; positionals: string[]; help: boolean }
  | { ok: false; message: string };

function optName(name: string, spec: OptionSpec | undefined): string {
  return spec?.short ? `-${spec.short}/--${name}` : `--${name}`;
}

/** Parses one command's arguments against its spec; all checks, no defaults. */
function parseWith(cmd: CommandName, args: readonly string[]): Parsed {
  const spec = SPECS[cmd];
  const all: Record<string, OptionSpec> = { ...spec.options, help: HELP };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, o] of Object.entries(all))
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };

  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  // Help wins over every other mistake on the line: someone asking for help should get it.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help'))
    return { ok: true, values: {}, positionals: [], help: true };

  const values: Values = {};
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const o = spec.options[t.name];
    if (!o) return { ok: false, message: `unknown option ${t.rawName}` };
    const shown = optName(t.name, o);
    if (values[t.name] !== undefined) return { ok: false, message: `option ${shown} given more than once` };
    if (o.type === 'boolean') {
      if (t.inlineValue) return { ok: false, message: `option ${shown} takes no value` };
      values[t.name] = true;
      continue;
    }
    const v = t.value;
    // Non-strict parseArgs takes the next word as the value even when it is another option;
    // "--config --status-dir x" is a forgotten value, not a file named "--status-dir". "-" alone
    // (standard output) is a value.
    if (v === undefined || (!t.inlineValue && v.startsWith('-') && v !== '-'))
      return { ok: false, message: `option ${shown} needs a value` };
    if (v === '') return { ok: false, message: `option ${shown} needs a non-empty value` };
    if (Array.isArray(o.check) && !o.check.includes(v))
      return { ok: false, message: `option ${shown}: '${v}' must be one of ${o.check.join(', ')}` };
    if (typeof o.check === 'function') {
      const err = o.check(v);
      if (err) return { ok: false, message: `option ${shown}: '${v}' ${err}` };
    }
    values[t.name] = v;
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.required && values[name] === undefined)
      return { ok: false, message: `missing required option ${optName(name, o)}` };
  }
  if (positionals.length < spec.positionals.length)
    return { ok: false, message: `missing argument ${spec.positionals[positionals.length]}` };
  if (positionals.length > spec.positionals.length)
    return { ok: false, message: `unexpected argument '${positionals[spec.positionals.length]}'` };
  return { ok: true, values, positionals, help: false };
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function listenOf(v: string | undefined): RunCommand['http'] {
  if (v === undefined) return undefined;
  const l = parseListen(v);
  return 'error' in l ? undefined : l;
}

/** The run mode's options, or what is wrong with them. */
function runIo(v: Values): RunIo | string {
  if (v.pubsub === true) {
    const fileOnly = ['config', 'status-dir', 'global-config'].find((o) => v[o] !== undefined);
    if (fileOnly)
      return `option --${fileOnly} is for file mode; with --pubsub the config comes from EVE's pubsub`;
    return {
      kind: 'pubsub',
      runDir: str(v['run-dir']) ?? DEFAULT_RUN_DIR,
      persistDir: str(v['persist-dir']) ?? DEFAULT_PERSIST_DIR,
    };
  }
  const pubsubOnly = ['run-dir', 'persist-dir'].find((o) => v[o] !== undefined);
  if (pubsubOnly) return `option --${pubsubOnly} needs --pubsub`;
  for (const o of ['config', 'status-dir'])
    if (v[o] === undefined) return `missing required option --${o} (or --pubsub)`;
  return {
    kind: 'files',
    config: str(v.config)!,
    statusDir: str(v['status-dir'])!,
    globalConfig: str(v['global-config']),
  };
}

/** Parses the arguments that follow a command name. */
export function parseCommandArgs(cmd: CommandName, args: readonly string[]): ParseResult {
  const p = parseWith(cmd, args);
  if (!p.ok) return { ok: false, message: `mmagent ${cmd}: ${p.message}`, usage: USAGE[cmd] };
  if (p.help) return { ok: true, command: { command: 'help', text: USAGE[cmd] } };
  const v = p.values;
  switch (cmd) {
    case 'run': {
      const io = runIo(v);
      if (typeof io === 'string') return { ok: false, message: `mmagent run: ${io}`, usage: USAGE.run };
      return {
        ok: true,
        command: {
          command: 'run',
          io,
          resolvDir: str(v['resolv-dir']) ?? DEFAULT_RESOLV_DIR,
          http: listenOf(str(v.http)),
          logLevel: str(v['log-level']),
        },
      };
    }
    case 'validate':
      return { ok: true, command: { command: 'validate', file: p.positionals[0]! } };
    case 'plan':
      return {
        ok: true,
        command: {
          command: 'plan',
          config: str(v.config)!,
          snapshot: str(v.snapshot),
          globalConfig: str(v['global-config']),
          output: str(v.output) === 'json' ? 'json' : 'text',
          detailedExitcode: v['detailed-exitcode'] === true,
          noColor: v['no-color'] === true,
          resolvDir: str(v['resolv-dir']) ?? DEFAULT_RESOLV_DIR,
        },
      };
    case 'graph':
      return {
        ok: true,
        command: {
          command: 'graph',
          config: str(v.config)!,
          snapshot: str(v.snapshot),
          globalConfig: str(v['global-config']),
          resolvDir: str(v['resolv-dir']) ?? DEFAULT_RESOLV_DIR,
          output: str(v.output)!,
          format: str(v.format) as GraphFormat | undefined,
        },
      };
    case 'snapshot':
      return {
        ok: true,
        command: {
          command: 'snapshot',
          output: str(v.output),
          resolvDir: str(v['resolv-dir']) ?? DEFAULT_RESOLV_DIR,
        },
      };
    case 'demo':
      return { ok: true, command: { command: 'demo', noWait: v['no-wait'] === true } };
  }
}

function isCommandName(s: string): s is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(s);
}

/** Parses a whole command line (process.argv.slice(2)). */
export function parseCommandLine(argv: readonly string[]): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined) return { ok: false, message: 'mmagent: missing command', usage: OVERVIEW };
  if (first === '-h' || first === '--help') return { ok: true, command: { command: 'help', text: OVERVIEW } };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { ok: true, command: { command: 'help', text: OVERVIEW } };
    if (isCommandName(topic)) return { ok: true, command: { command: 'help', text: USAGE[topic] } };
    return { ok: false, message: `mmagent help: unknown command '${topic}'`, usage: OVERVIEW };
  }
  if (first === '--version') {
    if (rest.length > 0)
      return { ok: false, message: `mmagent --version: unexpected argument '${rest[0]}'`, usage: OVERVIEW };
    return { ok: true, command: { command: 'version' } };
  }
  if (first.startsWith('-'))
    return {
      ok: false,
      message: `mmagent: unknown option ${first} (options go after the command)`,
      usage: OVERVIEW,
    };
  if (!isCommandName(first))
    return {
      ok: false,
      message: `mmagent: unknown command '${first}' (one of ${COMMAND_NAMES.join(', ')})`,
      usage: OVERVIEW,
    };
  return parseCommandArgs(first, rest);
}
