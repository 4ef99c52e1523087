// Registers this group's panel renderers (see registry.ts): the value panels (stat, gauge, bar
// gauge, pie chart), the table and the text panel. 'news', 'dashlist' and 'alertlist' stay unknown.
import './common/panels.css';
import { registerPanel } from './registry';
import { StatPanel } from './stat/StatPanel';
import { GaugePanel } from './gauge/GaugePanel';
import { BarGaugePanel } from './bargauge/BarGaugePanel';
import { TablePanel } from './table/TablePanel';
import { TextPanel } from './text/TextPanel';
import { PieChartPanel } from './common/piechart/PieChartPanel';

registerPanel('stat', StatPanel);
registerPanel('gauge', GaugePanel);
registerPanel('bargauge', BarGaugePanel);
registerPanel('table', TablePanel);
registerPanel('text', TextPanel);
registerPanel('piechart', PieChartPanel);
