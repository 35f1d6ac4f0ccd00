import { Rsc, TutelaError } from '../../core/errors.js';
import type { Access } from '../access/access.js';
import type { AuditLog } from '../audit/audit.js';
import type { User } from '../directory/directory.js';
import type { Participant } from '../episodes/store.js';
import { checkedSettings, type SettingsInput } from './schema.js';
import type { SettingsStore, StoredSettings } from './store.js';

export interface PatientSettingsOptions {
  store: Pick<SettingsStore, 'get' | 'put'>;
  /** The caller's current participation in the patient's episode. */
  participation: (pt: string, user: string) => Promise<Participant | undefined>;
  access: Pick<Access, 'decide'>;
  audit: Pick<AuditLog, 'record'>;
}

const refuse = (code: string, msg: string) =>
  new TutelaError(code, Rsc.ORIGINATOR_HAS_NO_PRIVILEGE, msg);

/**
 * Who may read and change a patient's clinical settings, decided by the
 * Cedar policies (policies/v1/settings.cedar: the care team reads, doctors
 * change), and audited either way. Someone outside the episode gets 403
 * `not_in_episode` whether or not the patient exists.
 */
export class PatientSettings {
  constructor(private readonly o: PatientSettingsOptions) {}

  async view(pt: string, user: User): Promise<StoredSettings> {
    await this.allowed(pt, user, 'readSettings', 'settings.view');
    const s = await this.o.store.get(pt);
    await this.o.audit.record({ actor: user.id, action: 'settings.view', pt, outcome: 'ok' });
    return s;
  }

  async change(pt: string, user: User, input: SettingsInput): Promise<StoredSettings> {
    await this.allowed(pt, user, 'changeSettings', 'settings.change');
    let settings;
    try {
      settings = checkedSettings(input);
    } catch (err) {
      await this.o.audit.record({
        actor: user.id,
        action: 'settings.change',
        pt,
        outcome: 'rejected',
        detail: err instanceof TutelaError ? err.code : 'invalid',
      });
      throw err;
    }
    const saved = await this.o.store.put(pt, settings, user.id);
    // What changed in outline only: the limits themselves are health data.
    const signs = Object.keys(settings.thresholds).sort().join(',') || 'none';
    await this.o.audit.record({
      actor: user.id,
      action: 'settings.change',
      pt,
      outcome: 'ok',
      detail: `scale ${settings.spo2Scale}; thresholds: ${signs}; target: ${settings.spo2Target ? 'set' : 'default'}`,
    });
    return saved;
  }

  private async allowed(
    pt: string,
    user: User,
    action: 'readSettings' | 'changeSettings',
    audited: string,
  ): Promise<void> {
    const own = await this.o.participation(pt, user.id);
    if (!own) {
      await this.o.audit.record({
        actor: user.id,
        action: audited,
        pt,
        outcome: 'refused',
        detail: 'not in episode',
      });
      throw refuse('not_in_episode', `you take no part in the care episode of ${pt}`);
    }
    const decision = this.o.access.decide(user, action, { kind: 'episode', pt }, own);
    if (!decision.allowed) {
      await this.o.audit.record({
        actor: user.id,
        action: audited,
        pt,
        outcome: 'refused',
        detail: 'not allowed',
      });
      throw refuse(
        'not_allowed',
        action === 'readSettings'
          ? `as ${own.role} you may not read the settings of ${pt}`
          : `as ${own.role} you may not change the settings of ${pt}`,
      );
    }
  }
}
