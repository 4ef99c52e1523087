// The variables bar above the grid: a labelled select (multi-select when the variable is
// multi) or a text box per visible variable; changes go to the URL (`var-NAME`).

import { useState } from 'preact/hooks';
import { ALL, type Variables, type VarState } from './useVariables';

export function VariablesBar({ variables, onChange }: { variables: Variables; onChange(name: string, value: string[]): void }) {
  const visible = variables.list.filter((v) => v.def.hide !== 2 && v.def.type !== 'constant');
  if (visible.length === 0) return null;
  return (
    <div class="vars" role="group" aria-label="Dashboard variables">
      {visible.map((v) => (
        <VariableControl key={v.def.name} state={v} onChange={(value) => onChange(v.def.name, value)} />
      ))}
    </div>
  );
}

function VariableControl({ state, onChange }: { state: VarState; onChange(v: string[]): void }) {
  const { def } = state;
  const id = `var-${def.name}`;
  const label = def.label || def.name;
  const [text, setText] = useState(state.selected[0] ?? '');
  if (def.type === 'textbox') {
    return (
      <div class="var">
        {def.hide !== 1 && <label for={id}>{label}</label>}
        <input
          id={id}
          aria-label={def.hide === 1 ? label : undefined}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onBlur={() => onChange([text])}
          onKeyDown={(e) => e.key === 'Enter' && onChange([text])}
        />
      </div>
    );
  }
  const options = def.includeAll ? [{ text: 'All', value: ALL }, ...state.options] : state.options;
  return (
    <div class="var">
      {def.hide !== 1 && <label for={id}>{label}</label>}
      <select
        id={id}
        aria-label={def.hide === 1 ? label : undefined}
        multiple={!!def.multi}
        size={def.multi ? Math.min(4, Math.max(2, options.length)) : undefined}
        aria-busy={state.loading}
        title={state.error}
        onChange={(e) => {
          const sel = Array.from(e.currentTarget.selectedOptions).map((o) => o.value);
          onChange(sel.includes(ALL) && def.multi && sel.length > 1 && !state.selected.includes(ALL) ? [ALL] : sel.filter((v) => !(v === ALL && sel.length > 1)));
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} selected={state.selected.includes(o.value)}>
            {o.text}
          </option>
        ))}
      </select>
      {state.error && (
        <span class="error-text" role="alert" style={{ marginLeft: '4px', fontSize: '12px' }}>
          {state.error}
        </span>
      )}
    </div>
  );
}
