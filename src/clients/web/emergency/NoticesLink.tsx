import { useCallback, useEffect, useState } from 'react';
import { Badge, Group } from '@mantine/core';
import { emergencyApi } from '../api/emergency.js';
import { Link, href } from '../app/router.js';
import { useApi } from '../app/session.js';
import type { Auth } from '../session/auth.js';
import { unreadCount } from './text.js';

const listeners = new Set<() => void>();

/** Tells the header that notices changed (one was marked read), so its count follows at once. */
export function noticesChanged(): void {
  listeners.forEach((l) => l());
}

/**
 * "Notices" in the header, with how many are unread, in words for screen
 * readers. Asked again every 30 s and whenever a page marks one read.
 */
export function NoticesLink(props: { auth: Auth }) {
  const api = useApi(props.auth);
  const [unread, setUnread] = useState<number>();
  const load = useCallback(async () => {
    try {
      setUnread(unreadCount(await emergencyApi(api).notices()));
    } catch {
      setUnread(undefined); // the notices page says what went wrong; the header stays quiet
    }
  }, [api]);
  useEffect(() => {
    void load();
    const reload = () => void load();
    listeners.add(reload);
    const t = setInterval(reload, 30_000);
    return () => {
      listeners.delete(reload);
      clearInterval(t);
    };
  }, [load]);
  const label = unread ? `Notices, ${unread} unread` : 'Notices';
  return (
    <Group gap={4} data-testid="notices-link" data-unread={unread ?? 0}>
      <Link to={href.notices()} aria-label={label}>
        Notices
      </Link>
      {unread ? (
        <Badge color="red.9" size="sm" circle aria-hidden="true">
          {unread}
        </Badge>
      ) : null}
    </Group>
  );
}
