import { createRoot } from 'react-dom/client';
import { adoptTokenFromFragment } from './auth';
import { App } from './App';
import './styles.css';

// First of all: take a handed-over token out of the address bar.
adoptTokenFromFragment();

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<App />);
