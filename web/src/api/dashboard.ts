// The dashboard JSON model, as Grafana stores it: only the fields the UI reads are typed; every
// other field is kept as it is (the index signatures), so a save round-trips it unchanged.

/** One threshold step; the first has `value: null` (the base). */
export interface ThresholdStep {
  value: number | null;
  color: string;
}

export interface Thresholds {
  mode: 'absolute' | 'percentage';
  steps: ThresholdStep[];
}

/** A value mapping (`value`, `range`, `regex`, `special`), as in Grafana. */
export interface ValueMapping {
  type: 'value' | 'range' | 'regex' | 'special';
  options: Record<string, unknown>;
}

/** `fieldConfig.defaults` (and each override's properties). */
export interface FieldConfig {
  displayName?: string;
  unit?: string;
  decimals?: number | null;
  min?: number | null;
  max?: number | null;
  noValue?: string;
  thresholds?: Thresholds;
  color?: { mode: string; fixedColor?: string; seriesBy?: 'min' | 'max' | 'last' };
  mappings?: ValueMapping[];
  custom?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FieldOverride {
  matcher: { id: string; options?: unknown };
  properties: { id: string; value?: unknown }[];
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId?: string;
  datasource?: DataSourceRef | string | null;
  hide?: boolean;
  [key: string]: unknown;
}

export interface Transformation {
  id: string;
  options?: Record<string, unknown>;
  disabled?: boolean;
}

export interface Panel {
  id: number;
  type: string;
  title?: string;
  description?: string;
  gridPos?: GridPos;
  datasource?: DataSourceRef | string | null;
  targets?: Target[];
  fieldConfig?: { defaults?: FieldConfig; overrides?: FieldOverride[] };
  options?: Record<string, unknown>;
  transformations?: Transformation[];
  timeFrom?: string | null;
  timeShift?: string | null;
  maxDataPoints?: number;
  interval?: string;
  repeat?: string;
  repeatDirection?: 'h' | 'v';
  maxPerRow?: number;
  collapsed?: boolean;
  /** A collapsed row's children. */
  panels?: Panel[];
  [key: string]: unknown;
}

export interface VariableOption {
  text: string | string[];
  value: string | string[];
  selected?: boolean;
}

export interface Variable {
  name: string;
  type: 'custom' | 'constant' | 'textbox' | 'interval' | 'query' | 'datasource' | 'adhoc' | string;
  label?: string;
  query?: string | { query?: string; [k: string]: unknown };
  datasource?: DataSourceRef | string | null;
  current?: VariableOption;
  options?: VariableOption[];
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  regex?: string;
  hide?: number;
  refresh?: number;
  [key: string]: unknown;
}

export interface Dashboard {
  uid?: string;
  title: string;
  tags?: string[];
  version?: number;
  panels?: Panel[];
  /** Very old dashboards keep panels in rows. */
  rows?: { panels?: Panel[]; title?: string; collapse?: boolean; height?: number | string }[];
  templating?: { list?: Variable[] };
  time?: { from: string; to: string };
  refresh?: string | false;
  timezone?: string;
  schemaVersion?: number;
  [key: string]: unknown;
}

/** `GET /api/dashboards/uid/{uid}`. */
export interface DashboardResponse {
  dashboard: Dashboard;
  meta: {
    slug?: string;
    version?: number;
    provisioned?: boolean;
    provisionedExternalId?: string;
    canSave?: boolean;
    canEdit?: boolean;
    folderTitle?: string;
    [key: string]: unknown;
  };
}

/** One hit of `GET /api/search`. */
export interface SearchHit {
  uid: string;
  title: string;
  url: string;
  tags: string[];
  type: string;
  folderTitle?: string;
}
