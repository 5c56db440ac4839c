// The peer's web UI: mounted into #app; everything is rendered by Preact as text nodes and
// attributes (never HTML strings), so hostile names cannot become markup.
import { render } from 'preact';
import '../ui/styles.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
