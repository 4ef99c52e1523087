// Cross-site scripting payloads for the text panel, run in Chromium by an end-to-end test (the
// unit tests have no DOM, and DOMPurify needs one). For each case the e2e test renders a text
// panel with `mode` and `content`, then checks inside the panel element:
//   - no selector of `forbidden` (plus ALWAYS_FORBIDDEN) matches;
//   - every `required` selector matches (e.g. links keep working, with rel set);
//   - `text`, when given, is visible (harmless content survives);
//   - no dialog opened and `window.__xss` is still undefined (payloads try to set it).

/** One payload and what must (not) be in the rendered panel. */
export interface XssCase {
  name: string;
  mode: 'markdown' | 'html';
  content: string;
  /** CSS selectors that must match nothing inside the panel. */
  forbidden: string[];
  /** CSS selectors that must match something inside the panel. */
  required?: string[];
  /** Text that must still show. */
  text?: string;
}

/** Checked for every case. */
export const ALWAYS_FORBIDDEN = [
  'script',
  'iframe',
  'object',
  'embed',
  'style',
  'form',
  'base',
  'meta',
  '[onerror]',
  '[onload]',
  '[onclick]',
  '[onmouseover]',
  '[onfocus]',
  '[srcdoc]',
  'a[href^="javascript:" i]',
  'a[href^="vbscript:" i]',
  'a[href^="data:text/html" i]',
  'a[href]:not([rel~="noopener"])',
  'a[href]:not([rel~="noreferrer"])',
];

/** The payloads. */
export const XSS_CASES: XssCase[] = [
  { name: 'img onerror (html)', mode: 'html', content: '<img src=x onerror=alert(1)>', forbidden: ['img[onerror]'], required: ['img'] },
  { name: 'img onerror (markdown raw html)', mode: 'markdown', content: 'Hi <img src=x onerror="window.__xss=1">', forbidden: ['img[onerror]'], text: 'Hi' },
  { name: 'script tag (html)', mode: 'html', content: '<p>ok</p><script>window.__xss=1</script>', forbidden: ['script'], text: 'ok' },
  { name: 'script tag (markdown)', mode: 'markdown', content: '# ok\n\n<script>alert(1)</script>', forbidden: ['script'], required: ['h1'], text: 'ok' },
  { name: 'javascript: markdown link', mode: 'markdown', content: '[click](javascript:alert(1))', forbidden: ['a[href*="javascript" i]'], text: 'click' },
  { name: 'javascript: html link', mode: 'html', content: '<a href="javascript:window.__xss=1">click</a>', forbidden: ['a[href*="javascript" i]'], text: 'click' },
  { name: 'obfuscated javascript: link', mode: 'html', content: '<a href="jav&#x09;ascript:alert(1)">x</a><a href=" JaVaScRiPt:alert(1)">y</a>', forbidden: ['a[href*="script:" i]'] },
  { name: 'data: html link', mode: 'markdown', content: '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)', forbidden: ['a[href^="data:" i]'] },
  { name: 'svg onload', mode: 'html', content: '<svg onload="window.__xss=1"><circle r="5"/></svg>', forbidden: ['svg', '[onload]'] },
  { name: 'svg script', mode: 'html', content: '<svg><script>window.__xss=1</script></svg>', forbidden: ['svg', 'script'] },
  { name: 'iframe srcdoc', mode: 'html', content: '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>', forbidden: ['iframe'] },
  { name: 'body/details event handlers', mode: 'html', content: '<details open ontoggle="window.__xss=1"><summary>s</summary>d</details><div onmouseover="window.__xss=1">hover</div>', forbidden: ['[ontoggle]', '[onmouseover]'], text: 'hover' },
  { name: 'form action', mode: 'html', content: '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>', forbidden: ['form', 'button', '[formaction]'] },
  { name: 'meta refresh', mode: 'html', content: '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', forbidden: ['meta'] },
  { name: 'base href hijack', mode: 'html', content: '<base href="https://evil.example/"><a href="/x">x</a>', forbidden: ['base'], required: ['a[href="/x"][rel~="noopener"]'] },
  { name: 'style tag', mode: 'html', content: '<style>body{display:none}</style><p>still here</p>', forbidden: ['style'], text: 'still here' },
  { name: 'mutation XSS via noscript', mode: 'html', content: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">', forbidden: ['img[onerror]'] },
  { name: 'markdown image with onerror-ish title', mode: 'markdown', content: '![a](x" onerror="alert(1))', forbidden: ['img[onerror]'] },
  { name: 'ordinary link keeps working, hardened', mode: 'markdown', content: '[Grafana](https://grafana.com)', forbidden: [], required: ['a[href="https://grafana.com"][rel~="noopener"][rel~="noreferrer"]'], text: 'Grafana' },
  { name: 'target=_blank link hardened', mode: 'html', content: '<a href="https://example.com" target="_blank">e</a>', forbidden: [], required: ['a[target="_blank"][rel~="noopener"]'] },
  { name: 'markdown table and code survive', mode: 'markdown', content: '| a | b |\n|---|---|\n| 1 | 2 |\n\n`x<y`', forbidden: [], required: ['table th', 'code'], text: 'x<y' },
];
