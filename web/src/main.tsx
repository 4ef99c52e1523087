// Entry point: applies the saved theme before the first paint, then mounts the app.
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import './panels/all';
import { App } from './App';
import { applyTheme, savedTheme } from './lib/theme';

applyTheme(savedTheme());
const root = document.getElementById('app');
if (root) render(<App />, root);
