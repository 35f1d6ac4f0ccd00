/**
 * The sign-in pages: small, server-rendered, accessible HTML (labelled
 * fields, one heading, error text in a live region), styled by one
 * same-origin stylesheet so the Content-Security-Policy needs no inline
 * style or script.
 */
export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET_PATH = '/auth/assets/sign-in.css';

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
</form>`,
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
