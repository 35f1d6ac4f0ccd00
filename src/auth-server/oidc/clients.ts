import type { ClientMetadata } from 'oidc-provider';

export const WEB_CLIENT = 'tutela-web';
export const CLI_CLIENT = 'tutela-cli';
export const APP_SERVER_CLIENT = 'tutela-app-server';
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The scope every platform API access token carries (RFC 8707 resource scope). */
export const API_SCOPE = 'api';

/**
 * The platform's first-party clients (statically registered; no dynamic registration):
 * the web app (authorization code + PKCE, public), the CLI (device authorization
 * grant, RFC 8628, public) and the application server (client credentials, confidential).
 */
export function platformClients(platformUrl: string, appServerSecret: string): ClientMetadata[] {
  return [
    {
      client_id: WEB_CLIENT,
      client_name: 'Tutela web app',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${platformUrl}/web/callback`],
      post_logout_redirect_uris: [`${platformUrl}/web/`],
    },
    {
      client_id: CLI_CLIENT,
      client_name: 'Tutela CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: APP_SERVER_CLIENT,
      client_name: 'Tutela application server',
      client_secret: appServerSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ];
}
