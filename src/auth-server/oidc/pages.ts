/**
 * The sign-in pages: small, server-rendered, accessible HTML (labelled
 * fields, one heading, error text in a live region), styled by one
 * same-origin stylesheet so the Content-Security-Policy needs no inline
 * style or script.
 */
export const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET_PATH = '/auth/assets/sign-in.css';
export const PASSKEY_SCRIPT_PATH = '/auth/assets/passkey.js';

/**
 * Sign-in with a passkey (WebAuthn §5.1.4 navigator.credentials.get): fetches
 * options bound to this interaction, asks the authenticator, posts the
 * assertion, follows the provider. No library: base64url <-> bytes only.
 */
export const PASSKEY_SCRIPT = `(() => {
  const button = document.getElementById('passkey');
  if (!button) return;
  if (!window.PublicKeyCredential) { button.hidden = true; return; }
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const alert = document.querySelector('[role=alert]');
  button.addEventListener('click', async () => {
    const base = button.dataset.action;
    try {
      const options = await (await fetch(base + '-options', { method: 'POST' })).json();
      const cred = await navigator.credentials.get({ publicKey: { ...options, challenge: bytes(options.challenge),
        allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })) } });
      const r = cred.response;
      const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: cred.id, rawId: b64(cred.rawId), type: cred.type, clientExtensionResults: {},
          response: { clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
            signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : undefined } }) });
      const body = await res.json();
      if (res.ok && body.redirectTo) { window.location.assign(body.redirectTo); return; }
      alert.textContent = body.message || 'That passkey was not accepted.';
    } catch { alert.textContent = 'The passkey sign-in was cancelled or failed.'; }
  });
})();
`;

export const STYLESHEET = `body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;border:1px solid #767676;border-radius:4px}
button{margin-top:1rem;font-size:1rem;padding:.6rem 1rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#595959}button:focus,input:focus{outline:3px solid #ffbf47}
.error{color:#b00020;font-weight:600}code{font-size:1.4rem;letter-spacing:.1em}`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tutela</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

export function errorText(message: string | undefined): string {
  return `<p class="error" role="alert" aria-live="assertive">${message ? escapeHtml(message) : ''}</p>`;
}

export function loginPage(action: string, message?: string, login = ''): string {
  return page(
    'Sign in',
    `${errorText(message)}
<form method="post" action="${escapeHtml(action)}">
<label for="login">User name</label>
<input id="login" name="login" autocomplete="username" required value="${escapeHtml(login)}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p><button type="button" class="secondary" id="passkey" data-action="${escapeHtml(action.replace(/\/login$/, '/passkey'))}">Sign in with a passkey</button></p>
<script src="${PASSKEY_SCRIPT_PATH}"></script>`,
  );
}

export function otpPage(action: string, message?: string): string {
  return page(
    'Second factor',
    `${errorText(message)}
<p>Enter the 6-digit code from your authenticator app.</p>
<form method="post" action="${escapeHtml(action)}">
<label for="otp">Code</label>
<input id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus>
<button type="submit">Continue</button>
</form>`,
  );
}
