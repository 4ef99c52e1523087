// Grafana's text panel: markdown or HTML (both sanitized) or code (escaped, optional line numbers).

import DOMPurify from 'dompurify';
import { useMemo } from 'preact/hooks';
import type { PanelProps } from '../types';
import { createSanitizer, readTextOptions, renderText } from './render';

let sanitizer: ((html: string) => string) | undefined;

/** The app's one sanitizer (DOMPurify bound to the page's window). */
export function sanitizeHtml(html: string): string {
  sanitizer ??= createSanitizer(DOMPurify as unknown as Parameters<typeof createSanitizer>[0]);
  return sanitizer(html);
}

/** The text panel renderer. */
export function TextPanel({ panel }: PanelProps) {
  const options = useMemo(() => readTextOptions(panel.options), [panel.options]);
  const view = useMemo(() => renderText(options, sanitizeHtml), [options]);
  if (view.kind === 'code') {
    const width = String(view.lines.length).length;
    return (
      <div class="text-panel code">
        <pre aria-label="Code">
          <code class={`language-${options.code.language}`}>
            {view.lines.map((line, i) => (
              <span key={i}>
                {options.code.showLineNumbers && (
                  <span class="ln" aria-hidden="true" style={{ minWidth: `${width + 1}ch` }}>
                    {i + 1}
                  </span>
                )}
                {line}
                {'\n'}
              </span>
            ))}
          </code>
        </pre>
      </div>
    );
  }
  // The HTML has been through DOMPurify (see render.ts); nothing else reaches innerHTML.
  return <div class={`text-panel ${options.mode}`} dangerouslySetInnerHTML={{ __html: view.html }} />;
}
