import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApi, describeError, type Api } from '../session/api.js';
import type { Auth } from '../session/auth.js';
import { ensureDevice, renewDevice } from '../session/device.js';
import type { Me } from '../session/me.js';
import { registerAe } from '../records/cse.js';
import { RecordReader } from '../records/reader.js';

/**
 * What every signed-in page needs: the API (with the access token, ending
 * the session on a 401), who I am (/app/me), this browser's registered
 * device key and a reader that decrypts here.
 */
export interface Session {
  auth: Auth;
  api: Api;
  me: Me;
  device: string;
  reader: RecordReader;
  reloadMe(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export function useApi(auth: Auth): Api {
  return useMemo(
    () =>
      createApi({
        base: '',
        token: () => auth.accessToken(),
        onUnauthenticated: () => auth.signOut('Your session has ended. Please sign in again.'),
      }),
    [auth],
  );
}

type State =
  | { kind: 'loading'; step: string }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; session: Session };

export function SessionProvider(props: {
  auth: Auth;
  children: ReactNode;
  fallback: (state: { loading?: string; error?: string }) => ReactNode;
}) {
  const { auth } = props;
  const api = useApi(auth);
  const [state, setState] = useState<State>({ kind: 'loading', step: 'Signing in…' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const user = auth.user!.id;
    (async () => {
      const me = await api<Me>('GET', '/app/me');
      if (cancelled) return;
      // Only on the first run: reloading /app/me keeps the pages mounted (and their state).
      setState((s) =>
        s.kind === 'ready' ? s : { kind: 'loading', step: 'Preparing this browser’s device key…' },
      );
      let device = await ensureDevice(api, user);
      await registerAe(me, auth.accessToken());
      const reader = new RecordReader(
        api,
        me,
        () => auth.accessToken(),
        async () => device,
        async () => (device = await renewDevice(api, user)),
      );
      if (cancelled) return;
      setState({
        kind: 'ready',
        session: {
          auth,
          api,
          me,
          device: device.device,
          reader,
          reloadMe: async () => setGeneration((g) => g + 1),
        },
      });
    })().catch((err: unknown) => {
      if (!cancelled) setState({ kind: 'failed', message: describeError(err) });
    });
    return () => {
      cancelled = true;
    };
  }, [api, auth, generation]);

  if (state.kind === 'loading') return props.fallback({ loading: state.step });
  if (state.kind === 'failed') return props.fallback({ error: state.message });
  return <SessionContext.Provider value={state.session}>{props.children}</SessionContext.Provider>;
}
