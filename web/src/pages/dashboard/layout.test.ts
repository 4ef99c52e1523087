import { describe, expect, it } from 'vitest';
import type { Panel } from '../../api/dashboard';
import { compact, gridHeight, layoutPanels, pixelBox } from './layout';

const p = (id: number, x: number, y: number, w: number, h: number, extra: Partial<Panel> = {}): Panel => ({ id, type: 'stat', gridPos: { x, y, w, h }, ...extra });

describe('layoutPanels', () => {
  it('keeps positions of a packed grid', () => {
    const items = layoutPanels([p(1, 0, 0, 12, 8), p(2, 12, 0, 12, 8), p(3, 0, 8, 24, 4)], new Map(), {});
    expect(items.map((i) => [i.panel.id, i.pos.x, i.pos.y])).toEqual([[1, 0, 0], [2, 12, 0], [3, 0, 8]]);
    expect(gridHeight(items)).toBe(12 * 38);
  });

  it('floats panels up over gaps', () => {
    const items = layoutPanels([p(1, 0, 5, 12, 4)], new Map(), {});
    expect(items[0].pos.y).toBe(0);
  });

  it('hides the panels below a collapsed row and pulls later rows up', () => {
    const panels = [p(10, 0, 0, 24, 1, { type: 'row' }), p(1, 0, 1, 24, 8), p(11, 0, 9, 24, 1, { type: 'row' }), p(2, 0, 10, 24, 8)];
    const items = layoutPanels(panels, new Map([[10, true]]), {});
    expect(items.map((i) => i.panel.id)).toEqual([10, 11, 2]);
    expect(items.find((i) => i.panel.id === 11)?.pos.y).toBe(1);
  });

  it('shows a saved-collapsed row\'s children when expanded', () => {
    const row = p(10, 0, 0, 24, 1, { type: 'row', collapsed: true, panels: [p(1, 0, 1, 12, 4), p(2, 12, 1, 12, 4)] });
    expect(layoutPanels([row], new Map(), {}).map((i) => i.panel.id)).toEqual([10]);
    expect(layoutPanels([row], new Map([[10, false]]), {}).map((i) => i.panel.id)).toEqual([10, 1, 2]);
  });

  it('repeats a panel per value horizontally with maxPerRow', () => {
    const items = layoutPanels([p(1, 0, 0, 8, 4, { repeat: 'host', maxPerRow: 2 })], new Map(), { host: ['a', 'b', 'c'] });
    expect(items.map((i) => [i.vars?.host, i.pos.x, i.pos.y, i.pos.w])).toEqual([
      ['a', 0, 0, 12],
      ['b', 12, 0, 12],
      ['c', 0, 4, 12],
    ]);
    expect(new Set(items.map((i) => i.key)).size).toBe(3);
  });

  it('repeats vertically', () => {
    const items = layoutPanels([p(1, 0, 0, 8, 4, { repeat: 'host', repeatDirection: 'v' })], new Map(), { host: ['a', 'b'] });
    expect(items.map((i) => i.pos.y)).toEqual([0, 4]);
  });

  it('gives defaults to panels without gridPos', () => {
    const items = layoutPanels([{ id: 1, type: 'graph' }, { id: 2, type: 'graph' }], new Map(), {});
    expect(items.map((i) => i.pos)).toEqual([
      { x: 0, y: 0, w: 12, h: 8 },
      { x: 0, y: 8, w: 12, h: 8 },
    ]);
  });
});

describe('compact and pixels', () => {
  it('never overlaps', () => {
    const items = compact([
      { key: 'a', panel: p(1, 0, 0, 12, 4), pos: { x: 0, y: 0, w: 12, h: 4 }, sourceId: 1 },
      { key: 'b', panel: p(2, 6, 0, 12, 4), pos: { x: 6, y: 0, w: 12, h: 4 }, sourceId: 2 },
    ]);
    expect(items[1].pos.y).toBe(4);
  });

  it('maps cells to pixels', () => {
    expect(pixelBox({ x: 12, y: 1, w: 12, h: 2 }, 952)).toEqual({ left: 480, top: 38, width: 472, height: 68 });
  });
});
