// The text panel's content pipeline: markdown through marked, then (markdown and html alike)
// through DOMPurify with one fixed configuration; code is escaped and never parsed as HTML.
// DOMPurify needs a DOM: where it has none (`isSupported` false) the sanitizer fails closed and
// shows the markup as escaped text rather than passing it through.

import { Marked } from 'marked';

/** The part of DOMPurify the panel uses (an interface so tests can pass a stand-in). */
export interface Purifier {
  isSupported: boolean;
  sanitize(dirty: string, cfg: Record<string, unknown>): unknown;
  addHook(entryPoint: 'afterSanitizeAttributes', hook: (node: Element) => void): void;
}

/** DOMPurify options: the HTML profile only (no SVG/MathML), no forms, frames, embeds, <style>,
 * <base> or <meta>; no data-* attributes. Scripts, event handlers and `javascript:` URLs are
 * removed by DOMPurify in any configuration. */
export const SANITIZE_CONFIG: Record<string, unknown> = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'frame', 'frameset', 'object', 'embed', 'base', 'meta', 'link'],
  FORBID_ATTR: ['formaction', 'srcdoc'],
  ALLOW_DATA_ATTR: false,
  ADD_ATTR: ['target'],
};

/** Links may open in a new tab but never hand the page to it, nor leak the dashboard URL. */
export function hardenLink(node: Element): void {
  const tag = node.tagName?.toUpperCase();
  if ((tag === 'A' || tag === 'AREA') && node.hasAttribute('href')) {
    node.setAttribute('rel', 'noopener noreferrer');
    const target = node.getAttribute('target');
    if (target && target !== '_blank' && target !== '_self') node.removeAttribute('target');
  }
}

/** HTML-escapes text. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const hooked = new WeakSet<object>();

/** A sanitizer over DOMPurify (or a stand-in) with the panel's config and link hook. */
export function createSanitizer(purifier: Purifier): (html: string) => string {
  if (purifier.isSupported && !hooked.has(purifier)) {
    purifier.addHook('afterSanitizeAttributes', hardenLink);
    hooked.add(purifier);
  }
  return (html) => (purifier.isSupported ? String(purifier.sanitize(html, SANITIZE_CONFIG)) : `<pre>${escapeHtml(html)}</pre>`);
}

const markdown = new Marked({ gfm: true, breaks: false, async: false });

/** Markdown to (unsanitized) HTML, synchronously, GitHub-flavoured as Grafana's text panel. */
export function markdownToHtml(src: string): string {
  return markdown.parse(src, { async: false }) as string;
}

/** Grafana's text panel options with defaults. */
export interface TextOptions {
  mode: 'markdown' | 'html' | 'code';
  content: string;
  code: { language: string; showLineNumbers: boolean };
}

/** The default content Grafana puts in a new text panel. */
export const DEFAULT_CONTENT = '# Title\n\nFor markdown syntax help: [commonmark.org/help](https://commonmark.org/help/)';

/** Reads the text panel's options. */
export function readTextOptions(o: Record<string, unknown> | undefined): TextOptions {
  const code = (o?.code ?? {}) as Record<string, unknown>;
  const mode = o?.mode === 'html' || o?.mode === 'code' ? o.mode : 'markdown';
  return {
    mode,
    content: typeof o?.content === 'string' ? o.content : DEFAULT_CONTENT,
    code: {
      language: typeof code.language === 'string' ? code.language : 'plaintext',
      showLineNumbers: code.showLineNumbers === true,
    },
  };
}

/** What the panel shows: sanitized HTML, or code lines rendered as text. */
export type TextView = { kind: 'html'; html: string } | { kind: 'code'; lines: string[] };

/** The view of the content: every HTML path goes through `sanitize`. */
export function renderText(options: TextOptions, sanitize: (html: string) => string): TextView {
  switch (options.mode) {
    case 'code':
      return { kind: 'code', lines: options.content.split('\n') };
    case 'html':
      return { kind: 'html', html: sanitize(options.content) };
    default:
      return { kind: 'html', html: sanitize(markdownToHtml(options.content)) };
  }
}
