// The shape every transformation shares: frames in, frames out, options as saved in the dashboard.

import type { DataFrame } from '../frame';

/** One transformation: pure, never mutates its input frames. */
export type Transformer = (frames: DataFrame[], options: Record<string, unknown>) => DataFrame[];
