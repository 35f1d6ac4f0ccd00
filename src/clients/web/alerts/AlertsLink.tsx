import { Badge, Group } from '@mantine/core';
import { Link, href } from '../app/router.js';
import { useAlertInbox } from './context.js';
import { routedToMe } from './inbox.js';

/**
 * "Alerts" in the header, with how many open alerts are routed to me (my
 * role among those the chain alerted), in words for screen readers; live,
 * as the inbox is.
 */
export function AlertsLink() {
  const { ctx, snap } = useAlertInbox();
  const open = ctx ? routedToMe(snap.alerts, ctx.roleOf).length : 0;
  const label = open ? `Alerts, ${open} open for you` : 'Alerts';
  return (
    <Group gap={4} data-testid="alerts-link" data-open={open}>
      <Link to={href.alerts()} aria-label={label}>
        Alerts
      </Link>
      {open ? (
        <Badge color="red.9" size="sm" circle aria-hidden="true">
          {open}
        </Badge>
      ) : null}
    </Group>
  );
}
