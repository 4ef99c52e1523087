// The panel editor: title, description, the targets (one JSON object each, as the datasource
// takes them) and the field config. Apply puts the edit on the dashboard, where the panel is
// queried with its new targets at once (an inline subscription); Save on the dashboard keeps it.

import { useState } from 'preact/hooks';
import type { Panel, Target } from '../../api/dashboard';
import { syntaxErrorLocation } from '../../lib/jsonPath';

export function PanelEditor({ panel, onClose, onApply }: { panel: Panel | undefined; onClose(): void; onApply(p: Panel): void }) {
  const [title, setTitle] = useState(panel?.title ?? '');
  const [description, setDescription] = useState(panel?.description ?? '');
  const [targets, setTargets] = useState(() => (panel?.targets ?? []).map((t) => JSON.stringify(t, null, 2)));
  const [fieldConfig, setFieldConfig] = useState(() => JSON.stringify(panel?.fieldConfig ?? { defaults: {}, overrides: [] }, null, 2));
  const [error, setError] = useState('');
  if (!panel) return null;

  const parseField = (label: string, text: string): unknown => {
    const err = syntaxErrorLocation(text);
    if (err) throw new Error(`${label}: line ${err.line}, column ${err.column}: ${err.message}`);
    return JSON.parse(text);
  };
  const apply = () => {
    try {
      const ts = targets.map((t, i) => parseField(`Query ${String.fromCharCode(65 + i)}`, t) as Target);
      const fc = parseField('Field config', fieldConfig) as Panel['fieldConfig'];
      setError('');
      onApply({ ...panel, title, description: description || undefined, targets: ts, fieldConfig: fc });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="drawer" role="dialog" aria-modal="true" aria-labelledby="panel-editor-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div class="drawer-body">
        <div class="drawer-head">
          <h2 id="panel-editor-title">Edit panel</h2>
          <button type="button" class="primary" onClick={apply}>
            Apply
          </button>
          <button type="button" onClick={onClose} aria-label="Close the panel editor">
            ✕
          </button>
        </div>
        <div class="drawer-main">
          {error && (
            <div class="banner error" role="alert">
              {error}
            </div>
          )}
          <label class="field">
            <span>Title</span>
            <input name="title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Description</span>
            <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          {targets.map((t, i) => (
            <label class="field" key={i}>
              <span>
                Query {String.fromCharCode(65 + i)}{' '}
                <button type="button" onClick={() => setTargets(targets.filter((_, j) => j !== i))} aria-label={`Remove query ${String.fromCharCode(65 + i)}`}>
                  Remove
                </button>
              </span>
              <textarea class="json" style={{ minHeight: '120px' }} spellcheck={false} value={t} onInput={(e) => setTargets(targets.map((x, j) => (j === i ? e.currentTarget.value : x)))} />
            </label>
          ))}
          <button
            type="button"
            onClick={() => setTargets([...targets, JSON.stringify({ refId: String.fromCharCode(65 + targets.length) }, null, 2)])}
          >
            Add query
          </button>
          <label class="field">
            <span>Field config (defaults and overrides)</span>
            <textarea class="json" style={{ minHeight: '200px' }} spellcheck={false} value={fieldConfig} onInput={(e) => setFieldConfig(e.currentTarget.value)} />
          </label>
        </div>
      </div>
    </div>
  );
}
