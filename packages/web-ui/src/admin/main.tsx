// The tracker's admin page: mounted into #app; every name (users, groups, files, events) is
// rendered by Preact as text, never as HTML, so hostile names cannot become markup.
import { render } from 'preact';
import '../ui/styles.css';
import './admin.css';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
