import './styles.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { App } from './app/App.js';
import { createTokenAuth } from './session/auth.js';

// The per-response CSP nonce the platform wrote into <meta property="csp-nonce"> (the browser
// hides the attribute's value but keeps it on the .nonce property): Mantine's <style> tags carry it.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider getStyleNonce={() => nonce} defaultColorScheme="light">
      <App auth={createTokenAuth()} />
    </MantineProvider>
  </StrictMode>,
);
