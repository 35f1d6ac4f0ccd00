import './styles.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { App } from './app/App.js';
import { anyAuth, type AppAuth } from './session/any-auth.js';
import { createTokenAuth } from './session/auth.js';
import { CALLBACK_PATH, oidcAvailable, oidcSettingsFor } from './session/oidc-discovery.js';

// The per-response CSP nonce the platform wrote into <meta property="csp-nonce"> (the browser
// hides the attribute's value but keeps it on the .nonce property): Mantine's <style> tags carry it.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';

/** Sign-in: the platform's OpenID provider when it runs one, and a pasted access token. */
async function start(): Promise<AppAuth> {
  const token = createTokenAuth();
  if (!(await oidcAvailable(location.origin))) return anyAuth(token);
  const { createOidcAuth } = await import('./session/oidc-auth.js');
  const provider = await createOidcAuth(oidcSettingsFor(location.origin));
  if (location.pathname === CALLBACK_PATH) await provider.completeSignIn();
  return anyAuth(token, provider);
}

void start().then((auth) =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <MantineProvider getStyleNonce={() => nonce} defaultColorScheme="light">
        <App auth={auth} />
      </MantineProvider>
    </StrictMode>,
  ),
);
