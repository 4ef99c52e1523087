import { describe, expect, it } from 'vitest';
import type { Variable } from '../../api/dashboard';
import { ALL, interpolateLeaves, selectValues, staticOptions, variableValue } from './useVariables';

const custom = (extra: Partial<Variable> = {}): Variable => ({ name: 'site', type: 'custom', query: 'north,south,east', ...extra });

describe('variables', () => {
  it('lists custom, interval and constant options', () => {
    expect(staticOptions(custom(), [])?.map((o) => o.value)).toEqual(['north', 'south', 'east']);
    expect(staticOptions({ name: 'i', type: 'interval', query: '1m,5m' }, [])?.map((o) => o.value)).toEqual(['1m', '5m']);
    expect(staticOptions({ name: 'c', type: 'constant', query: 'prod' }, [])).toEqual([{ text: 'prod', value: 'prod' }]);
    expect(staticOptions({ name: 'q', type: 'query', query: 'label_values(x)' }, [])).toBeNull();
  });

  it('takes a textbox value from the URL first', () => {
    expect(staticOptions({ name: 't', type: 'textbox', query: 'dflt' }, ['typed'])).toEqual([{ text: 'typed', value: 'typed' }]);
    expect(staticOptions({ name: 't', type: 'textbox', query: 'dflt' }, [])).toEqual([{ text: 'dflt', value: 'dflt' }]);
  });

  it('selects URL values, then the saved current, then the first option', () => {
    const opts = staticOptions(custom(), []) ?? [];
    expect(selectValues(custom(), opts, ['south'])).toEqual(['south']);
    expect(selectValues(custom({ current: { text: 'east', value: 'east' } }), opts, [])).toEqual(['east']);
    expect(selectValues(custom(), opts, [])).toEqual(['north']);
    expect(selectValues(custom(), opts, ['gone'])).toEqual(['north']);
    expect(selectValues(custom(), opts, ['north', 'south'])).toEqual(['north']);
    expect(selectValues(custom({ multi: true }), opts, ['north', 'south'])).toEqual(['north', 'south']);
    expect(selectValues(custom({ includeAll: true }), opts, [ALL])).toEqual([ALL]);
  });

  it('expands All to every option unless the variable has an allValue', () => {
    const options = staticOptions(custom(), []) ?? [];
    expect(variableValue({ def: custom({ includeAll: true }), options, selected: [ALL] })).toEqual(['north', 'south', 'east']);
    expect(variableValue({ def: custom({ includeAll: true, allValue: '.*' }), options, selected: [ALL] })).toBe(ALL);
    expect(variableValue({ def: custom(), options, selected: ['south'] })).toBe('south');
    expect(variableValue({ def: custom({ multi: true }), options, selected: ['south'] })).toEqual(['south']);
  });

  it('interpolates datasource references', () => {
    expect(interpolateLeaves({ type: 'prometheus', uid: '${ds}' }, { ds: 'prom-1' })).toEqual({ type: 'prometheus', uid: 'prom-1' });
    expect(interpolateLeaves(null, {})).toBeNull();
  });
});
