import DOMPurify from 'dompurify';
import { describe, expect, it, vi } from 'vitest';
import { createSanitizer, DEFAULT_CONTENT, escapeHtml, hardenLink, markdownToHtml, readTextOptions, renderText, SANITIZE_CONFIG, type Purifier } from './render';
import { ALWAYS_FORBIDDEN, XSS_CASES } from './xss-cases';

function fakeElement(tag: string, attrs: Record<string, string>) {
  return {
    tagName: tag,
    attrs,
    hasAttribute: (n: string) => n in attrs,
    getAttribute: (n: string) => attrs[n] ?? null,
    setAttribute: (n: string, v: string) => void (attrs[n] = v),
    removeAttribute: (n: string) => void delete attrs[n],
  };
}

describe('markdown', () => {
  it('renders GitHub-flavoured markdown synchronously', () => {
    expect(markdownToHtml('# Hi')).toContain('<h1>Hi</h1>');
    expect(markdownToHtml('| a |\n|---|\n| 1 |')).toContain('<table>');
    expect(markdownToHtml('~~x~~')).toContain('<del>x</del>');
  });

  it('passes raw HTML and javascript: links on to the sanitizer (marked does not sanitize)', () => {
    expect(markdownToHtml('<img src=x onerror=alert(1)>')).toContain('onerror');
    expect(markdownToHtml('[x](https://a.b)')).toContain('href="https://a.b"');
  });
});

describe('sanitizer', () => {
  it('sends markdown and html through sanitize with the panel config, and never code', () => {
    const sanitize = vi.fn((h: string) => `[${h}]`);
    expect(renderText({ mode: 'markdown', content: '*a*', code: { language: '', showLineNumbers: false } }, sanitize)).toEqual({
      kind: 'html', html: '[<p><em>a</em></p>\n]',
    });
    expect(renderText({ mode: 'html', content: '<b>x</b>', code: { language: '', showLineNumbers: false } }, sanitize)).toEqual({ kind: 'html', html: '[<b>x</b>]' });
    expect(sanitize).toHaveBeenCalledTimes(2);
    expect(renderText({ mode: 'code', content: '<b>\nx', code: { language: '', showLineNumbers: false } }, sanitize)).toEqual({ kind: 'code', lines: ['<b>', 'x'] });
    expect(sanitize).toHaveBeenCalledTimes(2);
  });

  it('calls DOMPurify with the config and registers the link hook once', () => {
    const p: Purifier = { isSupported: true, sanitize: vi.fn(() => 'clean'), addHook: vi.fn() };
    const s = createSanitizer(p);
    createSanitizer(p);
    expect(s('<x>')).toBe('clean');
    expect(p.sanitize).toHaveBeenCalledWith('<x>', SANITIZE_CONFIG);
    expect(p.addHook).toHaveBeenCalledTimes(1);
    expect(p.addHook).toHaveBeenCalledWith('afterSanitizeAttributes', hardenLink);
  });

  it('fails closed without a DOM: the markup is shown escaped, not injected', () => {
    expect(DOMPurify.isSupported).toBe(false); // Vitest runs in node here
    const s = createSanitizer(DOMPurify as unknown as Purifier);
    const out = s('<img src=x onerror=alert(1)><script>alert(1)</script>');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('forbids style, forms, frames and embeds, and the SVG/MathML profiles', () => {
    const forbid = SANITIZE_CONFIG.FORBID_TAGS as string[];
    for (const t of ['style', 'form', 'iframe', 'object', 'embed', 'base', 'meta']) expect(forbid).toContain(t);
    expect(SANITIZE_CONFIG.USE_PROFILES).toEqual({ html: true });
  });

  it('hardens links: rel noopener noreferrer, odd targets dropped', () => {
    const a = fakeElement('A', { href: 'https://x', target: 'top' });
    hardenLink(a as unknown as Element);
    expect(a.attrs).toEqual({ href: 'https://x', rel: 'noopener noreferrer' });
    const b = fakeElement('a', { href: '/y', target: '_blank', rel: 'opener' });
    hardenLink(b as unknown as Element);
    expect(b.attrs.rel).toBe('noopener noreferrer');
    expect(b.attrs.target).toBe('_blank');
    const img = fakeElement('IMG', { src: 'x' });
    hardenLink(img as unknown as Element);
    expect(img.attrs).toEqual({ src: 'x' });
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('options', () => {
  it("uses Grafana's defaults", () => {
    expect(readTextOptions(undefined)).toEqual({ mode: 'markdown', content: DEFAULT_CONTENT, code: { language: 'plaintext', showLineNumbers: false } });
    expect(readTextOptions({ mode: 'code', content: 'x', code: { language: 'sql', showLineNumbers: true } })).toEqual({
      mode: 'code', content: 'x', code: { language: 'sql', showLineNumbers: true },
    });
  });
});

describe('xss cases for the browser test', () => {
  it('are well-formed and cover the payloads the issue names', () => {
    const contents = XSS_CASES.map((c) => c.content).join('\n');
    expect(contents).toContain('<img src=x onerror=alert(1)>');
    expect(contents).toContain('<script>');
    expect(contents).toContain('javascript:');
    expect(new Set(XSS_CASES.map((c) => c.name)).size).toBe(XSS_CASES.length);
    expect(ALWAYS_FORBIDDEN).toContain('script');
  });
});
