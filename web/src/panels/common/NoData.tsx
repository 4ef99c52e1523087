// The notice a panel shows instead of a visualization when there is nothing to draw.

/** "No data" (or the field's `noValue` text), centered in the panel. */
export function NoData({ text }: { text?: string }) {
  return (
    <div class="panel-notice" data-testid="panel-notice" role="status">
      {text || 'No data'}
    </div>
  );
}
