// Regular expressions as dashboards write them. Grafana stores a regex either as `/pattern/flags`
// or as a bare pattern that must match the whole string; value mappings and variable regex
// filters both read them this way, so the parsing lives here once.

/** Characters that mean something in a JavaScript regex (plus `/`, as Grafana escapes it). */
const REGEX_META = /[\\^$*+?.()|[\]{}/]/g;

/** Escapes `text` so it matches itself literally inside a regex. */
export function escapeRegex(text: string): string {
  return text.replace(REGEX_META, '\\$&');
}

/**
 * Parses a dashboard regex: `/pattern/flags` as written, a bare pattern anchored to the whole
 * string (`^pattern$`). Returns null when the pattern does not compile.
 */
export function parseRegex(text: string): RegExp | null {
  const literal = /^\/(.*)\/([dgimsuy]*)$/s.exec(text);
  try {
    return literal ? new RegExp(literal[1], literal[2]) : new RegExp(`^${text}$`);
  } catch {
    return null;
  }
}
