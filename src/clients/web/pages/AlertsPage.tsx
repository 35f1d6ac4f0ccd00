import { useEffect, useState } from 'react';
import { Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { alertsApi, type AlertView, type Delivery } from '../api/alerts.js';
import { Link, href } from '../app/router.js';
import { useSession } from '../app/session.js';
import { AlertCard } from '../alerts/AlertCard.js';
import type { ChannelStatus } from '../alerts/channel.js';
import { useAlertInbox } from '../alerts/context.js';
import { isOpen } from '../alerts/inbox.js';
import { DELIVERY_TEXT, channelText, loadProblem } from '../alerts/text.js';
import { ErrorState, Loading, When } from '../components/status.js';

const STATUS_TEXT: Record<ChannelStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
};

function LiveBadge(props: { status: ChannelStatus }) {
  return (
    <Badge
      variant="dot"
      color={props.status === 'live' ? 'green' : 'gray'}
      role="status"
      aria-live="polite"
      data-live={props.status}
      data-testid="alerts-live"
    >
      {STATUS_TEXT[props.status]}
    </Badge>
  );
}

/**
 * The alert inbox (issue 5 item 6): my patients' alerts, live, open first
 * and most critical first (docs/web-app.md, "Alerts").
 */
export function AlertsPage() {
  const { ctx, snap } = useAlertInbox();
  if (!ctx) return <Loading label="Connecting to your alerts…" />;
  const open = snap.alerts.filter(isOpen);
  const closed = snap.alerts.filter((a) => !isOpen(a));
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Alerts
        </Title>
        <LiveBadge status={snap.status} />
      </Group>
      <Text size="sm">
        Alerts about your patients, open ones first, most critical first. New alerts and changes
        arrive live.
      </Text>
      {snap.error ? (
        <ErrorState message={snap.error} onRetry={() => void ctx.inbox.reload()} />
      ) : null}
      {!snap.loaded && !snap.error ? <Loading label="Loading your alerts…" /> : null}
      {snap.loaded && snap.alerts.length === 0 ? (
        <Text role="status">No alerts about your patients.</Text>
      ) : null}
      <Stack data-testid="alerts" data-cursor={ctx.inbox.cursor ?? ''} gap="sm">
        <AlertSection title="Open" alerts={open} ctx={ctx} />
        <AlertSection title="Resolved" alerts={closed} ctx={ctx} />
      </Stack>
    </Stack>
  );
}

/** A heading with its count, then the alerts' cards (nothing when there are none). */
function AlertSection(props: {
  title: string;
  alerts: AlertView[];
  ctx: NonNullable<ReturnType<typeof useAlertInbox>['ctx']>;
}) {
  const { ctx } = props;
  if (props.alerts.length === 0) return null;
  return (
    <>
      <Title order={2} size="h3">
        {props.title} ({props.alerts.length})
      </Title>
      {props.alerts.map((a) => (
        <AlertCard
          key={a.id}
          alert={a}
          inbox={ctx.inbox}
          me={ctx.me}
          role={ctx.roleOf(a.pt)}
          detailLink
        />
      ))}
    </>
  );
}

/** One alert, with the delivery to each recipient for the care team (queued, delivered, seen, failed). */
export function AlertPage(props: { id: string }) {
  const { api } = useSession();
  const { ctx, snap } = useAlertInbox();
  const [loaded, setLoaded] = useState<{ alert: AlertView; deliveries?: Delivery[] }>();
  const [error, setError] = useState<string>();
  const live = snap.alerts.find((a) => a.id === props.id);
  // Asked again whenever the live view of this alert changes: deliveries move with it.
  const version = live ? `${live.state}/${live.view === 'full' ? live.step : ''}` : '';
  useEffect(() => {
    let cancelled = false;
    alertsApi(api)
      .get(props.id)
      .then(
        (r) => !cancelled && (setLoaded(r), setError(undefined)),
        (err: unknown) => !cancelled && setError(loadProblem(err)),
      );
    return () => {
      cancelled = true;
    };
  }, [api, props.id, version]);

  const alert = live ?? loaded?.alert;
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Alert {alert ? `for ${alert.pt}` : props.id}
        </Title>
        <LiveBadge status={snap.status} />
      </Group>
      <Link to={href.alerts()}>All alerts</Link>
      {error ? <ErrorState message={error} /> : null}
      {!alert && !error ? <Loading label="Loading the alert…" /> : null}
      {alert && ctx ? (
        <AlertCard alert={alert} inbox={ctx.inbox} me={ctx.me} role={ctx.roleOf(alert.pt)} />
      ) : null}
      {loaded?.deliveries ? (
        <Table withTableBorder data-testid="deliveries" aria-label="Delivery to each recipient">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Recipient</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Step</Table.Th>
              <Table.Th scope="col">Channel</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Attempts</Table.Th>
              <Table.Th scope="col">Since</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {loaded.deliveries.map((d) => (
              <Table.Tr
                key={`${d.recipient}/${d.channel}`}
                data-recipient={d.recipient}
                data-status={d.status}
              >
                <Table.Th scope="row">
                  {d.recipient === ctx?.me ? `${d.recipient} (you)` : d.recipient}
                </Table.Th>
                <Table.Td>{d.role}</Table.Td>
                <Table.Td>{d.step + 1}</Table.Td>
                <Table.Td>{channelText(d.channel)}</Table.Td>
                <Table.Td>
                  {DELIVERY_TEXT[d.status]}
                  {d.lastError ? ` (${d.lastError})` : ''}
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>
                  <When at={d.at} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : loaded ? (
        <Text size="sm">Who was told and when is shown to the care team only.</Text>
      ) : null}
    </Stack>
  );
}
