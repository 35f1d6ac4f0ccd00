import type { KoaContextWithOIDC } from 'oidc-provider';
import { errorText, escapeHtml, page } from './pages.js';

/**
 * oidc-provider's own pages (device code entry and confirmation, sign-out,
 * errors) in the platform's look, without inline style (the CSP forbids it).
 * Error pages name the error code only: no stack, no internal detail.
 */
export const deviceSources = {
  userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out?: unknown, err?: unknown) {
    const message = err ? 'That code is not valid, or has expired. Try again.' : undefined;
    ctx.type = 'html';
    ctx.body = page(
      'Connect a device',
      `${errorText(message)}<p>Enter the code shown by the device (for example the Tutela CLI).</p>
${form.replace('placeholder="Enter code"', 'aria-label="Device code" placeholder="Code"')}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
    return Promise.resolve();
  },
  userCodeConfirmSource(
    ctx: KoaContextWithOIDC,
    form: string,
    client: { clientName?: string | undefined; clientId: string },
    _deviceInfo: unknown,
    userCode: string,
  ) {
    ctx.type = 'html';
    ctx.body = page(
      'Confirm the device',
      `<p><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> asks to sign in as you.
Check that the device shows this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
${form}
<button type="submit" form="op.deviceConfirmForm">Yes, sign it in</button>
<button class="secondary" type="submit" form="op.deviceConfirmForm" value="yes" name="abort">No, abort</button>`,
    );
    return Promise.resolve();
  },
  successSource(ctx: KoaContextWithOIDC) {
    ctx.type = 'html';
    ctx.body = page(
      'Device signed in',
      '<p>You can close this page and go back to the device.</p>',
    );
    return Promise.resolve();
  },
};

export function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out',
    `${form}<p>Sign out of Tutela on this browser?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
  return Promise.resolve();
}

export function renderError(
  ctx: KoaContextWithOIDC,
  out: { error?: string; error_description?: string },
): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign-in problem',
    `${errorText(out.error_description ?? 'The request could not be completed.')}
<p>Error code: <code>${escapeHtml(out.error ?? 'server_error')}</code></p>`,
  );
  return Promise.resolve();
}

export function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out of Tutela on this browser.</p>');
  return Promise.resolve();
}
