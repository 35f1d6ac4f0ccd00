import type { M2MClient } from '../../core/m2m/index.js';
import { sealVersion } from '../../crypto/versions.js';
import {
  CONFIDENTIALITY,
  criticalityRank,
  type Confidentiality,
  type Criticality,
} from '../../protocol/levels.js';
import type { Keyring } from '../keyring/keyring.js';
import { patientPaths } from '../layout/patient-layout.js';

/** From this criticality on, a tick's versions also go to the alert containers. */
export const ALERT_FROM: Criticality = 'medium';

export interface PublishInput {
  pt: string;
  /** `<dev>:<seq>` of the reading the versions were made from. */
  src: string;
  at: string;
  cl: Criticality;
  versions: Record<Confidentiality, unknown>;
}

/**
 * Stages 7–8, seal and publish: each RL version is sealed with the patient's
 * current data key for that RL and created in the patient's rl-<k>
 * container (and alert-<k> when the CL calls for it), labelled `rl:<k>` and
 * `cl:<cl>`. Each is created under a name derived from the reading, so
 * publishing the same reading again (after a crash) stores nothing twice.
 */
export async function publishVersions(
  cse: M2MClient,
  keyring: Keyring,
  cseRn: string,
  input: PublishInput,
): Promise<void> {
  const paths = patientPaths(cseRn, input.pt);
  const alert = criticalityRank(input.cl) >= criticalityRank(ALERT_FROM);
  const rn = `v-${input.src.replace(':', '-')}`;
  await Promise.all(
    CONFIDENTIALITY.map(async (rl) => {
      const { key, epoch } = await keyring.dataKey(input.pt, rl);
      let con: string;
      try {
        const sealed = sealVersion(
          key,
          { pt: input.pt, rl, cl: input.cl, epoch, src: input.src, at: input.at },
          input.versions[rl],
        );
        con = JSON.stringify(sealed);
      } finally {
        key.fill(0);
      }
      const lbl = [`rl:${rl}`, `cl:${input.cl}`];
      // Alerts first: the alert container's subscribers are the ones who must hear soonest.
      if (alert) await cse.createInstance(paths.alert(rl), con, { rn, lbl });
      await cse.createInstance(paths.rl(rl), con, { rn, lbl });
    }),
  );
}
