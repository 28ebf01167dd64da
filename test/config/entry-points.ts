/**
 * One config file read through every entry point that reads one: `mmagent validate`, `mmagent plan`
 * (from a captured snapshot, so no ModemManager is needed) and the agent's watchers (WwanConfig and
 * global config), each as the product runs it. What each made of the file, for tests that check
 * they agree.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { PlanCommand } from '../../src/cli/args.js';
import { runPlan } from '../../src/cli/plan.js';
import { runValidate } from '../../src/cli/validate.js';
import { watchConfigFile, watchGlobalConfigFile } from '../../src/io/config-file.js';
import { type AnyInput, anyInputArb } from './arbitraries.js';

const SNAPSHOT = new URL('../cli/fixtures/both-connected.json', import.meta.url).pathname;

export interface Verdict {
  readonly accepted: boolean;
  /** The one-line reason when refused. */
  readonly message?: string;
}

export interface EntryPointVerdicts {
  /** What `mmagent validate` said the file is ('invalid' when it refused it). */
  readonly validate: { readonly code: number; readonly kind: 'WwanConfig' | 'global config' | 'invalid' };
  readonly plan: Verdict;
  readonly agent: Verdict;
  readonly globalAgent: Verdict;
  /** `{}` is a valid config of both kinds. */
  readonly isEmptyObject: boolean;
}

const sink = () => {
  let text = '';
  return { write: (s: string) => (text += s), text: () => text };
};

async function viaValidate(file: string): Promise<EntryPointVerdicts['validate']> {
  const out = sink();
  const code = await runValidate([file], { stdout: out, stderr: sink() });
  const kind = /^valid (WwanConfig|global config)\n/.exec(out.text())?.[1] as
    | 'WwanConfig'
    | 'global config'
    | undefined;
  return { code, kind: code === 0 && kind ? kind : 'invalid' };
}

async function viaPlan(file: string, resolvDir: string): Promise<Verdict> {
  const err = sink();
  const cmd: PlanCommand = {
    command: 'plan',
    config: file,
    snapshot: SNAPSHOT,
    globalConfig: undefined,
    output: 'json',
    detailedExitcode: false,
    noColor: true,
    resolvDir,
  };
  const code = await runPlan(cmd, { stdout: sink(), stderr: err }, { env: {} });
  const text = err.text();
  // Refused on reading: the only failure before planning ("cannot plan" comes after acceptance).
  const refused =
    code === 1 && text.startsWith('mmagent plan: ') && !text.startsWith('mmagent plan: cannot plan');
  return refused
    ? { accepted: false, message: text.slice('mmagent plan: '.length).trimEnd() }
    : { accepted: true };
}

async function viaWatcher(file: string, watcher: typeof watchConfigFile | typeof watchGlobalConfigFile) {
  const ac = new AbortController();
  let verdict: Verdict | undefined;
  const w = (watcher as typeof watchConfigFile)(file, {
    signal: ac.signal,
    debounceMs: 0,
    pollMs: 0,
    onConfig: () => {
      verdict = { accepted: true };
    },
    onError: (e) => {
      verdict = { accepted: false, message: e.message };
    },
  });
  try {
    await w.ready;
  } finally {
    ac.abort();
  }
  if (!verdict) throw new Error(`the watcher reported nothing for ${file}`);
  return verdict;
}

function isEmptyObject(file: string): boolean {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
  } catch {
    return false;
  }
}

/** Reads `file` through validate, plan, the WwanConfig watcher and the global-config watcher. */
export async function readThroughAll(
  file: string,
  resolvDir = '/nonexistent/resolv',
): Promise<EntryPointVerdicts> {
  return {
    validate: await viaValidate(file),
    plan: await viaPlan(file, resolvDir),
    agent: await viaWatcher(file, watchConfigFile),
    globalAgent: await viaWatcher(file, watchGlobalConfigFile),
    isEmptyObject: isEmptyObject(file),
  };
}

/** Inputs for agreement: every generated kind, plus the empty object (valid for both readers). */
export const agreementCorpusArb: fc.Arbitrary<AnyInput> = fc.oneof(
  { weight: 20, arbitrary: anyInputArb },
  {
    weight: 1,
    arbitrary: fc.constant<AnyInput>({
      valid: true,
      value: {},
      bytes: new Uint8Array(Buffer.from('{}')),
      mutation: 'empty object',
    }),
  },
);
