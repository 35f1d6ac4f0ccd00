import type { Api } from '../session/api.js';

/** GET/PUT /app/me/contact (src/app-server/api/contact-routes.ts): where my alerts are e-mailed. */
export const contactApi = (api: Api) => ({
  get: async () => (await api<{ email: string | null }>('GET', '/app/me/contact')).email,
  set: async (email: string | null) =>
    (await api<{ email: string | null }>('PUT', '/app/me/contact', { email })).email,
});
