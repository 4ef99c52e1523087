// Finds where a JSON path (`panels[0].gridPos.w`, as the server's validation errors name it)
// is in a JSON text, so the dashboard JSON editor can point at the line of each error.

/** Splits `panels[0].gridPos.w` into `['panels', 0, 'gridPos', 'w']`. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

/**
 * The 1-based line of the value at `path` in `text`, or of the deepest existing parent when
 * the path names a missing field; null if the text is not JSON.
 */
export function lineOfPath(text: string, path: string): number | null {
  const want = splitPath(path);
  let i = 0;
  let line = 1;
  let best = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const str = (): string | null => {
    if (text[i] !== '"') return null;
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n') return null;
      i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return null;
    }
  };
  // Walks a value; `depth` is how many path components matched so far (-1: off the path).
  const value = (depth: number): boolean => {
    ws();
    if (depth === want.length) return true;
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return (i++, false);
      for (;;) {
        ws();
        const keyLine = line;
        const key = str();
        if (key === null) return false;
        ws();
        if (text[i] !== ':') return false;
        i++;
        const onPath = depth >= 0 && want[depth] === key;
        if (onPath) {
          best = keyLine;
          ws();
          best = line;
          if (value(depth + 1)) return true;
        } else if (value(-1)) return true;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return (i++, false);
        return false;
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return (i++, false);
      for (let idx = 0; ; idx++) {
        ws();
        const onPath = depth >= 0 && want[depth] === idx;
        if (onPath) best = line;
        if (value(onPath ? depth + 1 : -1)) return true;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return (i++, false);
        return false;
      }
    }
    if (ch === '"') {
      str();
      return false;
    }
    while (i < text.length && /[^,\]}\s]/.test(text[i])) i++;
    return false;
  };
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  if (want.length === 0) return 1;
  value(0);
  return best;
}

/** Where the first JSON syntax error in `text` is (1-based line and column), or null if it parses. */
export function syntaxErrorLocation(text: string): { line: number; column: number; message: string } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const at = errorIndex(text);
    const before = text.slice(0, at);
    const lines = before.split('\n');
    return { line: lines.length, column: lines[lines.length - 1].length + 1, message: (e as Error).message.split('\n')[0] };
  }
}

/** The index of the first character a JSON parser cannot accept. */
function errorIndex(text: string): number {
  let i = 0;
  const fail = () => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const str = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') i++;
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail();
      }
    }
    if (ch === '"') return str();
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (at) {
    return typeof at === 'number' ? at : i;
  }
  return i;
}
