// Registers this group's panel renderers (see registry.ts): the uPlot-based panels.
import { HeatmapPanel } from './heatmap/HeatmapPanel';
import { registerPanel } from './registry';
import { StateTimelinePanel } from './statetimeline/StateTimelinePanel';
import { TimeSeriesPanel } from './timeseries/TimeSeriesPanel';

registerPanel('timeseries', TimeSeriesPanel);
registerPanel('heatmap', HeatmapPanel);
registerPanel('state-timeline', StateTimelinePanel);
