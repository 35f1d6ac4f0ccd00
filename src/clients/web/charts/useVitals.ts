import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordReader } from '../records/reader.js';
import { cseRequest } from '../records/cse.js';
import { describeError } from '../session/api.js';
import type { Me } from '../session/me.js';
import { loadHistory } from './history.js';
import type { VitalPoint } from './series.js';
import { VitalWindow } from './window.js';

export interface Vitals {
  window: VitalWindow;
  /** Bumped at every change of the window (React re-renders on it). */
  revision: number;
  history: 'loading' | 'loaded' | { error: string };
  unreadable: number;
  add: (p: VitalPoint) => void;
}

/**
 * A patient's vital signs over the last two hours: the history from the CSE
 * once, then what the page's live channel hands to `add`. The window is
 * trimmed every half minute, so memory holds the window only.
 */
export function useVitals(
  pt: string,
  me: Me,
  reader: RecordReader,
  token: () => string | undefined,
  enabled: boolean,
): Vitals {
  const win = useRef(new VitalWindow());
  const [revision, setRevision] = useState(0);
  const [history, setHistory] = useState<Vitals['history']>('loading');
  const [unreadable, setUnreadable] = useState(0);

  useEffect(() => {
    win.current = new VitalWindow();
    setRevision((r) => r + 1);
    const versions = reader.versionsOf(pt);
    if (!enabled || !versions) return;
    let cancelled = false;
    setHistory('loading');
    loadHistory(
      {
        get: (path) => cseRequest(me, token(), 'GET', path),
        openContent: (s) => reader.openContent(s),
      },
      versions,
      Date.now(),
    ).then(
      (h) => {
        if (cancelled) return;
        win.current.add(h.points, Date.now());
        setUnreadable(h.unreadable);
        setHistory('loaded');
        setRevision((r) => r + 1);
      },
      (err: unknown) => {
        if (!cancelled) setHistory({ error: describeError(err) });
      },
    );
    const t = setInterval(() => {
      win.current.trim(Date.now());
      setRevision((r) => r + 1);
    }, 30_000);
    return () => {
      cancelled = true;
      clearInterval(t);
    };
  }, [enabled, me, pt, reader, token]);

  const add = useCallback((p: VitalPoint) => {
    if (win.current.add([p], Date.now())) setRevision((r) => r + 1);
  }, []);

  return { window: win.current, revision, history, unreadable, add };
}
