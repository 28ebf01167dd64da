/**
 * What html.ts hands the page (a JSON script element), and the live server's history shape. Shared by
 * both sides, so kept free of DOM and Node types.
 */
import type { GraphExport } from '../../../reconciler/export.js';

export const bootElementId = 'mmagent-boot';

export interface HistoryEntry {
  readonly id: number;
  /** ISO time */
  readonly at: string;
  readonly reasons: readonly string[];
  readonly durationMs: number;
  readonly steps: readonly string[];
  readonly failed: number;
  readonly graph: GraphExport;
}

export interface History {
  readonly maxEntries: number;
  readonly entries: readonly HistoryEntry[];
}

export type Boot =
  | { readonly mode: 'offline'; readonly title: string; readonly graph: GraphExport }
  | { readonly mode: 'live'; readonly title: string };

/**
 * JSON safe inside a <script> element: `<` escaped so no string in the data can close the element
 * or open a comment; U+2028/2029 escaped for old parsers.
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
