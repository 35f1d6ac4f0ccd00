import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { VisuallyHidden } from '@mantine/core';
import { useApi } from '../app/session.js';
import type { Auth } from '../session/auth.js';
import { describeError } from '../session/api.js';
import type { Me } from '../session/me.js';
import { AlertInbox, type Snapshot } from './channel.js';
import { announcement } from './text.js';

interface InboxContext {
  inbox: AlertInbox;
  /** My role in a patient's episode (for "routed to me"); undefined until /app/me answered. */
  roleOf: (pt: string) => string | undefined;
  me: string;
}

const Ctx = createContext<InboxContext | undefined>(undefined);

/**
 * One live alert inbox per signed-in person, shared by the header's
 * "Alerts" count and the inbox page; and the two live regions where what
 * arrives is announced on every page: a high alert raised or escalated
 * assertively (role="alert"), anything else politely (role="status").
 */
export function AlertInboxProvider(props: { auth: Auth; user: string; children: ReactNode }) {
  const api = useApi(props.auth);
  const [inbox, setInbox] = useState<AlertInbox>();
  const [me, setMe] = useState<Me>();
  const [said, setSaid] = useState<{ polite: string; assertive: string }>({
    polite: '',
    assertive: '',
  });

  useEffect(() => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/app/alerts/live`;
    const inbox = new AlertInbox({
      api,
      url,
      token: () => props.auth.accessToken(),
      describe: describeError,
      onFresh: (e) => {
        const a = announcement(e, props.user);
        setSaid((s) => (a.assertive ? { ...s, assertive: a.text } : { ...s, polite: a.text }));
      },
    });
    inbox.start();
    setInbox(inbox);
    let cancelled = false;
    api<Me>('GET', '/app/me').then(
      (m) => !cancelled && setMe(m),
      () => undefined, // the session's own /app/me says what went wrong
    );
    return () => {
      cancelled = true;
      inbox.stop();
    };
  }, [api, props.auth, props.user]);

  const ctx = useMemo<InboxContext | undefined>(() => {
    if (!inbox) return undefined;
    const roles = new Map(me?.patients.map((p) => [p.pt, p.role ?? me.role]));
    return { inbox, roleOf: (pt) => roles.get(pt) ?? me?.role, me: props.user };
  }, [inbox, me, props.user]);

  return (
    <Ctx.Provider value={ctx}>
      {props.children}
      <VisuallyHidden>
        <div role="alert" data-testid="alert-announce-assertive">
          {said.assertive}
        </div>
        <div role="status" aria-live="polite" data-testid="alert-announce-polite">
          {said.polite}
        </div>
      </VisuallyHidden>
    </Ctx.Provider>
  );
}

const EMPTY: Snapshot = { alerts: [], status: 'connecting', loaded: false };
const noop = () => () => undefined;

/** The inbox and its current snapshot (re-rendered on every change). */
export function useAlertInbox(): { ctx: InboxContext | undefined; snap: Snapshot } {
  const ctx = useContext(Ctx);
  const snap = useSyncExternalStore(
    ctx?.inbox.subscribe ?? noop,
    ctx?.inbox.snapshot ?? (() => EMPTY),
  );
  return { ctx, snap };
}
