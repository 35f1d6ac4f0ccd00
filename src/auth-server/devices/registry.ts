import { Rsc, TutelaError } from '../../core/errors.js';
import type { DeviceDb, DeviceTables } from '../store/index.js';

export type DeviceRow = DeviceTables['devices'];

/** A device as the API shows it (CONTRACTS.md, GET /auth/devices). */
export interface DeviceView {
  dev: string;
  pt: string;
  status: 'active' | 'revoked';
  serial: string;
  notAfter: number;
  claimedAt: number;
  revokedAt?: number;
}

export const deviceView = (r: DeviceRow): DeviceView => ({
  dev: r.dev,
  pt: r.pt,
  status: r.status,
  serial: r.serial,
  notAfter: r.not_after,
  claimedAt: r.claimed_at,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
});

export const unknownDevice = (dev: string) =>
  new TutelaError('unknown_device', Rsc.NOT_FOUND, `no device ${dev}`);

/** The onboarded devices: who they serve, their current certificate, whether revoked. */
export class DeviceRegistry {
  constructor(
    private readonly db: DeviceDb,
    private readonly now: () => number = Date.now,
  ) {}

  async add(row: DeviceRow): Promise<void> {
    await this.db.insertInto('devices').values(row).execute();
  }

  async remove(dev: string): Promise<void> {
    await this.db.deleteFrom('devices').where('dev', '=', dev).execute();
  }

  async get(dev: string): Promise<DeviceRow | undefined> {
    return this.db.selectFrom('devices').selectAll().where('dev', '=', dev).executeTakeFirst();
  }

  async list(pt: string): Promise<DeviceView[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('pt', '=', pt)
      .orderBy('claimed_at')
      .orderBy('dev')
      .execute();
    return rows.map(deviceView);
  }

  /** Marks a device revoked (a second revocation keeps the first time); returns its row. */
  async revoke(dev: string, by: string): Promise<DeviceRow> {
    await this.db
      .updateTable('devices')
      .set({ status: 'revoked', revoked_at: this.now(), revoked_by: by })
      .where('dev', '=', dev)
      .where('status', '=', 'active')
      .execute();
    const row = await this.get(dev);
    if (!row) throw unknownDevice(dev);
    return row;
  }
}
