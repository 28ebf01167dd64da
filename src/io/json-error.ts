/**
 * Where and why a JSON text is malformed, as line and column. V8's JSON.parse messages differ
 * between Node versions and, for the most common mistakes (a stray comma, a missing brace), give
 * a text excerpt rather than a position; this small scanner follows the JSON grammar (RFC 8259)
 * just far enough to find the first error. It is only run on text JSON.parse already rejected.
 */
export interface JsonSyntaxError {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
  readonly offset: number;
  /** Plain words, e.g. "unexpected ','" or "unexpected end of input". */
  readonly reason: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  // The open containers: an explicit stack (see document()).
  const open: ('{' | '[')[] = [];
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (what?: string): never => {
    if (i >= text.length) {
      // How many are left open tells a truncated file from a missing bracket or a flood of them.
      const left =
        open.length === 0
          ? ''
          : ` (${open.length} nested ${open.length === 1 ? 'array or object' : 'arrays or objects'} left open)`;
      throw new Stop(
        i,
        `${what ? `unexpected end of input, expected ${what}` : 'unexpected end of input'}${left}`,
      );
    }
    const c = text[i]!;
    if (c === '\ufeff') throw new Stop(i, 'unexpected byte order mark (save the file as UTF-8 without BOM)');
    const shown = c < ' ' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c;
    throw new Stop(i, `unexpected '${shown}'${what ? `, expected ${what}` : ''}`);
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`'${word}'`);
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("'\"'");
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail("a closing '\"' (control characters must be escaped)");
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('a hex digit');
            i++;
          }
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('an escape character');
      } else i++;
    }
  };
  // Sticky: matched where the scanner stands, without copying the rest of a 4 MiB text per number.
  const numberRe = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const number = () => {
    numberRe.lastIndex = i;
    const m = numberRe.exec(text);
    if (!m) fail('a value');
    i += m![0].length;
  };
  /**
   * The whole text, iteratively: the open containers are an explicit stack, so 200,000 unclosed
   * '[' cost 200 KB of array, not 200,000 native frames (which overflow the stack and, in the
   * agent, end the process).
   */
  const document = (): void => {
    let want: 'value' | 'key' | 'after' = 'value';
    for (;;) {
      ws();
      if (want === 'key') {
        if (text[i] !== '"') fail("'\"' (a property name)");
        string();
        ws();
        if (text[i] !== ':') fail("':'");
        i++;
        want = 'value';
        continue;
      }
      if (want === 'value') {
        const c = text[i];
        want = 'after';
        if (c === '{' || c === '[') {
          i++;
          ws();
          if (text[i] === (c === '{' ? '}' : ']')) i++;
          else {
            open.push(c);
            want = c === '{' ? 'key' : 'value';
          }
        } else if (c === '"') string();
        else if (c === 't') literal('true');
        else if (c === 'f') literal('false');
        else if (c === 'n') literal('null');
        else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
        else fail('a value');
        continue;
      }
      // After a value: the end of the text, or what the innermost open container allows next.
      const top = open.at(-1);
      if (top === undefined) {
        if (i < text.length) fail('end of input');
        return;
      }
      const close = top === '{' ? '}' : ']';
      if (text[i] === ',') {
        i++;
        want = top === '{' ? 'key' : 'value';
      } else if (text[i] === close) {
        i++;
        open.pop();
      } else fail(`',' or '${close}'`);
    }
  };
  try {
    document();
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.offset);
    return {
      offset: e.offset,
      line: before.split('\n').length,
      column: e.offset - before.lastIndexOf('\n'),
      reason: e.reason,
    };
  }
}
