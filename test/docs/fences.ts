/**
 * The fenced blocks of the Markdown docs and what each is for, so that no command in the docs can
 * rot unnoticed. A fence says it in its info string, after the language:
 *
 *   ```sh run                 run by test/docs/commands.test.ts: a temp dir, a timeout, exit 0
 *   ```console run            a transcript: each `$ cmd` is run in one shell, in order, and what it
 *                             prints (stdout and stderr) must be the lines that follow it
 *   ```sh run-e2e             run by e2e/docs/commands.test.ts (root: the simulator on a private bus)
 *   ```sh not-run: REASON     deliberately not run; the tests list it with its reason
 *   ```json file=NAME         not a command: written as NAME into the temp dir of the page's runs
 *
 * Every shell fence (sh, bash, shell, console) must carry one of run, run-e2e or not-run; every
 * fence must name a language (`text` for output, diagrams and synopses). docs/**.md is always
 * checked; any other Markdown file (README.md, a folder's README) opts in by marking one fence.
 * `mmagent` (and `npx mmagent`) in a command is the repository's CLI run from the sources (a shim in
 * the temp dir's bin/ and node_modules/.bin/).
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

export type Mode = 'run' | 'run-e2e' | 'not-run' | 'file' | 'none';

export interface Fence {
  /** Path relative to the repository. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly mode: Mode;
  /** not-run: why; file: the file name. */
  readonly arg: string;
  readonly body: string;
}

const OPEN = /^(\s*)(`{3,}|~{3,})\s*(.*)$/;

/** The fences of a Markdown text, with their mode. */
export function parseFences(md: string, file: string): Fence[] {
  const lines = md.split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = OPEN.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!.length;
    const mark = m[2]!;
    const info = m[3]!.trim();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === mark[0] && close[1]!.length >= mark.length) break;
      body.push(lines[j]!.slice(Math.min(indent, lines[j]!.length - lines[j]!.trimStart().length)));
    }
    const [lang = '', ...rest] = info.split(/\s+/);
    const tail = rest.join(' ');
    let mode: Mode = 'none';
    let arg = '';
    const notRun = /(?:^|\s)not-run:\s*(.*)$/.exec(tail);
    const fileArg = /(?:^|\s)file=(\S+)/.exec(tail);
    if (notRun) [mode, arg] = ['not-run', notRun[1]!.trim()];
    else if (/(?:^|\s)run-e2e(?:\s|$)/.test(tail)) mode = 'run-e2e';
    else if (/(?:^|\s)run(?:\s|$)/.test(tail)) mode = 'run';
    else if (fileArg) [mode, arg] = ['file', fileArg[1]!];
    out.push({ file, line: i + 1, lang, mode, arg, body: body.join('\n') });
    i = j;
  }
  return out;
}

/** Every Markdown file the check covers: docs/, and the others that opted in by marking a fence. */
export function docFiles(): { checked: string[]; notOptedIn: string[] } {
  const all: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', 'results', 'artefacts'].includes(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) all.push(relative(REPO, p));
    }
  };
  walk(REPO);
  all.sort();
  const checked: string[] = [];
  const notOptedIn: string[] = [];
  for (const f of all) {
    const marked = parseFences(readFileSync(join(REPO, f), 'utf8'), f).some((x) => x.mode !== 'none');
    (f.startsWith('docs/') || marked ? checked : notOptedIn).push(f);
  }
  return { checked, notOptedIn };
}

/** A fence whose file the docs check may not edit yet, excluded here: matched by file and first line. */
export interface ExternalExclusion {
  readonly file: string;
  readonly firstLine: RegExp;
  readonly why: string;
}

/** What is wrong with the fences of the checked files: unmarked shell fences, untagged fences. */
export function problems(fences: readonly Fence[], external: readonly ExternalExclusion[]): string[] {
  const out: string[] = [];
  for (const f of fences) {
    const where = `${f.file}:${f.line}`;
    if (f.lang === '')
      out.push(`${where}: a fence without a language (use \`text\` for output and diagrams)`);
    else if (SHELL_LANGS.has(f.lang)) {
      if (f.mode === 'none' && !externalExclusion(f, external))
        out.push(`${where}: a ${f.lang} fence must say run, run-e2e or not-run: REASON`);
      if (f.mode === 'file') out.push(`${where}: file= belongs on a data fence, not a shell fence`);
      if (f.mode === 'not-run' && f.arg.length < 10) out.push(`${where}: not-run needs a reason`);
    } else if (f.mode === 'run' || f.mode === 'run-e2e' || f.mode === 'not-run')
      out.push(`${where}: only shell fences run; ${f.lang} is data (file=NAME) or text`);
  }
  return out;
}

export function externalExclusion(
  f: Fence,
  external: readonly ExternalExclusion[],
): ExternalExclusion | undefined {
  const first = f.body.split('\n').find((l) => l.trim() !== '') ?? '';
  return external.find((x) => x.file === f.file && x.firstLine.test(first));
}

/**
 * A scratch directory for one page's commands: the page's file= fences written into it, the
 * repository's docs/, test/ and schemas/ linked in (so paths as written from the repository root
 * work), and bin/mmagent running the CLI from the sources.
 */
export function scratchDir(pageFences: readonly Fence[]): {
  dir: string;
  env: NodeJS.ProcessEnv;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'mmagent-docs-'));
  for (const d of ['docs', 'test', 'schemas']) symlinkSync(join(REPO, d), join(dir, d));
  for (const f of pageFences) if (f.mode === 'file') writeFileSync(join(dir, f.arg), `${f.body}\n`);
  mkdirSync(join(dir, 'bin'));
  const tsx = import.meta.resolve('tsx');
  writeFileSync(
    join(dir, 'bin', 'mmagent'),
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(REPO, 'src/cli/main.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  // `npx mmagent` finds it too (npx looks in ./node_modules/.bin first).
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(dir, 'bin', 'mmagent'), join(dir, 'node_modules', '.bin', 'mmagent'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    // Nothing a docs command does may reach this machine's system bus by accident.
    DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${join(dir, 'no-system-bus')}`,
  };
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/** Runs a bash script in `cwd` with stdout and stderr merged, killing its process group on timeout. */
export function runScript(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `exec 2>&1\n${script}`], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

export interface TranscriptStep {
  readonly command: string;
  readonly expected: string;
}

/** The `$ command` lines of a console transcript (a trailing `\` continues one) and what follows each. */
export function transcript(body: string): TranscriptStep[] {
  const steps: { command: string; expected: string[] }[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('$ ')) {
      let command = l.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i]!}`;
      steps.push({ command, expected: [] });
    } else if (steps.length > 0) steps[steps.length - 1]!.expected.push(l);
    else throw new Error(`a transcript starts with "$ command", not ${JSON.stringify(l)}`);
  }
  return steps.map((s) => ({ command: s.command, expected: s.expected.join('\n').trimEnd() }));
}

const MARK = '\u001eMMAGENT-DOCS-STEP\u001e';

/** Runs a transcript's commands in one shell (so `$?` and variables carry over); each step's output. */
export async function runTranscript(
  steps: readonly TranscriptStep[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ outputs: string[]; result: RunResult }> {
  // The marker keeps `$?` of the previous command for the next one.
  const script = steps.map((s) => `__s=$?; printf '\\n${MARK}\\n'; (exit $__s)\n${s.command}`).join('\n');
  const result = await runScript(script, cwd, env, timeoutMs);
  const parts = result.output.split(`\n${MARK}\n`).slice(1);
  return { outputs: parts.map((p) => p.trimEnd()), result };
}
