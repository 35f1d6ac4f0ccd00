import type { Api } from '../session/api.js';

/** The gateway-devices API of the authorization server (CONTRACTS.md, prefix /auth/devices). */
export interface GatewayDevice {
  dev: string;
  pt: string;
  status: 'active' | 'revoked';
  serial: string;
  notAfter: string | number;
  claimedAt: string | number;
  revokedAt?: string | number;
}

export interface ClaimCode {
  code: string;
  pt: string;
  expiresAt: string | number;
}

export const devicesApi = (api: Api) => ({
  list: async (pt: string) =>
    (await api<{ devices: GatewayDevice[] }>('GET', `/auth/devices?pt=${encodeURIComponent(pt)}`))
      .devices,
  claimCode: (pt: string) => api<ClaimCode>('POST', '/auth/devices/claim-codes', { pt }),
  revoke: (dev: string) =>
    api<{ dev: string; revokedAt: string | number }>(
      'POST',
      `/auth/devices/${encodeURIComponent(dev)}/revoke`,
    ),
});
