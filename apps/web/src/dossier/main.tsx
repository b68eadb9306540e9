import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../i18n/index.js';
import { DossierApp } from './dossier-app.js';
import '../styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DossierApp />
  </StrictMode>,
);
