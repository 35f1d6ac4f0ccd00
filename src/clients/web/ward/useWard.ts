import { useEffect, useState } from 'react';
import type { SealedVersion } from '../../../protocol/envelope.js';
import type { Api } from '../session/api.js';
import { describeError } from '../session/api.js';
import type { Me } from '../session/me.js';
import { listen, type LiveStatus } from '../records/live.js';
import type { RecordReader } from '../records/reader.js';

/** What the dashboard knows of one patient: the latest version's header, and its score if readable. */
export interface WardEntry {
  sealed?: SealedVersion;
  /** A number for a reader whose version carries the score; 'withheld' below that level. */
  news2?: { value: number; partial: boolean } | 'withheld';
  error?: string;
}

/** A slow poll besides the channel, in case notifications stop arriving without the channel closing. */
const POLL_MS = 60_000;

/**
 * The ward, live: each patient's latest version (its criticality and time
 * travel in clear in the header), opened in this browser for the NEWS2
 * score when the reader's level carries it (records/reader.ts, keys cached
 * per patient, RL and epoch); then every version notified over the CSE's
 * channel (records/live.ts), newest kept.
 */
export function useWard(
  me: Me,
  api: Api,
  reader: RecordReader,
  token: () => string | undefined,
): { entries: Record<string, WardEntry>; live: LiveStatus } {
  const [entries, setEntries] = useState<Record<string, WardEntry>>({});
  const [live, setLive] = useState<LiveStatus>('connecting');

  useEffect(() => {
    let cancelled = false;
    const readable = me.patients.filter((p) => p.versions);

    const put = (pt: string, entry: WardEntry) => {
      if (cancelled) return;
      setEntries((all) => {
        const old = all[pt]?.sealed;
        // Notifications and polls may cross: an older version never replaces a newer one.
        if (old && entry.sealed && Date.parse(entry.sealed.at) < Date.parse(old.at)) return all;
        return { ...all, [pt]: entry };
      });
    };

    const scored = async (sealed: SealedVersion): Promise<WardEntry> => {
      try {
        const news2 = (await reader.open(sealed)).news2;
        if (!news2) return { sealed };
        if (news2.withheld) return { sealed, news2: 'withheld' };
        const value = Number(news2.value);
        return Number.isFinite(value)
          ? { sealed, news2: { value, partial: news2.partial } }
          : { sealed };
      } catch {
        // The key not released (e.g. a version from before joining): the header still says the criticality.
        return { sealed };
      }
    };

    for (const p of me.patients)
      if (!p.versions)
        put(p.pt, {
          // A grant gives a level only to a sign-in with a second factor (break-glass.cedar).
          error: p.emergency
            ? 'readable only after a sign-in with a second factor'
            : 'no clinical content at your level',
        });

    const load = () =>
      Promise.all(
        readable.map(async (p) => {
          try {
            const sealed = await reader.latestSealed(p.pt);
            put(p.pt, sealed ? await scored(sealed) : {});
          } catch (err) {
            put(p.pt, { error: describeError(err) });
          }
        }),
      );

    void load();
    const poll = setInterval(() => void load(), POLL_MS);
    let subscribed = false;
    const stop = readable.length
      ? listen(
          me.ae,
          token,
          (sealed) => {
            if (!readable.some((p) => p.pt === sealed.pt)) return;
            void scored(sealed).then((e) => put(sealed.pt, e));
          },
          (status) => {
            if (!cancelled) setLive(status);
            if (status !== 'live' || subscribed || cancelled) return;
            subscribed = true;
            // The channel first: the CSE verifies a new subscription's target (TS-0001 §10.2.10.1).
            // One patient refused (a grant ended meanwhile) does not keep the others quiet.
            void Promise.allSettled(
              readable.map((p) => api('POST', '/app/subscriptions', { pt: p.pt, kind: 'all' })),
            ).then(() => load()); // whatever came before the subscriptions
          },
        )
      : () => setLive('closed');
    return () => {
      cancelled = true;
      clearInterval(poll);
      stop();
    };
  }, [api, me, reader, token]);

  return { entries, live };
}
