import '@xyflow/react/dist/style.css';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App, useAuthProblem } from './App';
import { createApi } from './api';
import { createPlatform } from './platform';

const root = createRoot(document.getElementById('root')!);

createPlatform({ onUnauthorized: () => useAuthProblem.setState({ unauthorized: true }) })
  .then((platform) => {
    root.render(
      <StrictMode>
        <App api={createApi(platform)} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main className="full-page-message">
        <h1>Hookline could not start</h1>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </main>,
    );
  });
