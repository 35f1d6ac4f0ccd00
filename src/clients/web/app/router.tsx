import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import { Anchor } from '@mantine/core';

/**
 * A few routes under /web/ need no router library: the History API, and
 * links that are real <a href> elements (keyboard, middle-click, screen
 * readers all work). The platform answers every route below with the app.
 */
export const BASE = '/web';

export type Route =
  | { page: 'patients' }
  | { page: 'patient'; pt: string }
  | { page: 'episode'; pt: string }
  | { page: 'devices'; pt: string }
  | { page: 'notices' }
  | { page: 'emergency' }
  | { page: 'security' }
  | { page: 'alerts' }
  | { page: 'alert'; id: string }
  | { page: 'not-found' };

export function parse(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  if (rest === '' || rest === '/') return { page: 'patients' };
  if (/^\/notices\/?$/.test(rest)) return { page: 'notices' };
  if (/^\/emergency\/?$/.test(rest)) return { page: 'emergency' };
  if (/^\/security\/?$/.test(rest)) return { page: 'security' };
  if (/^\/alerts\/?$/.test(rest)) return { page: 'alerts' };
  const alert = /^\/alerts\/(al-[a-z0-9]{1,64})\/?$/.exec(rest);
  if (alert) return { page: 'alert', id: alert[1]! };
  const m = /^\/patients\/([^/]+)(?:\/(episode|devices))?\/?$/.exec(rest);
  if (!m) return { page: 'not-found' };
  let pt: string;
  try {
    pt = decodeURIComponent(m[1]!);
  } catch {
    return { page: 'not-found' }; // a malformed %-escape
  }
  return m[2] === 'episode'
    ? { page: 'episode', pt }
    : m[2] === 'devices'
      ? { page: 'devices', pt }
      : { page: 'patient', pt };
}

export const href = {
  patients: () => `${BASE}/`,
  patient: (pt: string) => `${BASE}/patients/${encodeURIComponent(pt)}`,
  episode: (pt: string) => `${BASE}/patients/${encodeURIComponent(pt)}/episode`,
  devices: (pt: string) => `${BASE}/patients/${encodeURIComponent(pt)}/devices`,
  notices: () => `${BASE}/notices`,
  emergency: () => `${BASE}/emergency`,
  security: () => `${BASE}/security`,
  alerts: () => `${BASE}/alerts`,
  alert: (id: string) => `${BASE}/alerts/${encodeURIComponent(id)}`,
};

const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
};

export function navigate(to: string): void {
  history.pushState(null, '', to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  return parse(useSyncExternalStore(subscribe, () => location.pathname));
}

export function Link(props: { to: string; children: ReactNode; 'aria-label'?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <Anchor href={props.to} onClick={onClick} aria-label={props['aria-label']}>
      {props.children}
    </Anchor>
  );
}
