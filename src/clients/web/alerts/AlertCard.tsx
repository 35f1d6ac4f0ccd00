import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import type { AlertAction, AlertView } from '../api/alerts.js';
import { Link, href } from '../app/router.js';
import { CriticalityBadge, When } from '../components/status.js';
import type { AlertInbox } from './channel.js';
import {
  ACTION_TEXT,
  alertStateText,
  actionRefusal,
  actorText,
  findingText,
  stepText,
} from './text.js';

/** Roles the policies let handle alerts (alerts.cedar, handleAlert); the server decides anyway. */
const HANDLERS = new Set(['doctor', 'nurse', 'responder']);

/** One alert: patient, criticality in words and a shape, the finding (or why not), times, actions. */
export function AlertCard(props: {
  alert: AlertView;
  inbox: AlertInbox;
  me: string;
  role: string | undefined;
  /** Link to the detail view (not on the detail view itself). */
  detailLink?: boolean;
}) {
  const { alert: a, inbox } = props;
  const [busy, setBusy] = useState<AlertAction>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();

  // Shown is seen: the person's own delivery becomes `seen` (docs/alerts.md, live delivery).
  // The cleanup tells the inbox the card is gone.
  useEffect(() => inbox.seen(a.id), [inbox, a.id]);

  const act = async (action: AlertAction) => {
    setBusy(action);
    setProblem(undefined);
    setDone(undefined);
    try {
      const v = await inbox.act(a.id, action);
      setDone(`${ACTION_TEXT[action]}: done. ${alertStateText(v)}.`);
    } catch (err) {
      setProblem(actionRefusal(err, action));
    } finally {
      setBusy(undefined);
    }
  };

  const open = a.state !== 'resolved';
  const handles = open && a.view === 'full' && props.role !== undefined && HANDLERS.has(props.role);
  const titleId = `alert-${a.id}-title`;
  return (
    <Card
      withBorder
      component="article"
      aria-labelledby={titleId}
      data-alert={a.id}
      data-pt={a.pt}
      data-state={a.state}
      data-cl={a.cl}
      data-view={a.view}
      style={open ? { borderLeft: '6px solid var(--mantine-color-red-9)' } : undefined}
    >
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Group gap="sm">
            <CriticalityBadge cl={a.cl} />
            <Title order={2} size="h4" id={titleId}>
              <Link to={href.patient(a.pt)} aria-label={`Open the record of ${a.pt}`}>
                {a.pt}
              </Link>
            </Title>
          </Group>
          <Text fw={600} data-testid="alert-state">
            {alertStateText(a)}
            {a.view === 'full' && a.recovering ? ' · recovering' : ''}
          </Text>
        </Group>
        <Text data-testid="alert-finding" c={a.view === 'minimal' ? 'gray.8' : undefined}>
          {findingText(a)}
        </Text>
        <Text size="sm">
          Raised <When at={a.raisedAt} />
        </Text>
        {a.view === 'full' ? (
          <>
            {a.acknowledgedAt !== null ? (
              <Text size="sm" data-testid="alert-acknowledged">
                Acknowledged by {actorText(a.acknowledgedBy, props.me)}{' '}
                <When at={a.acknowledgedAt} />
              </Text>
            ) : null}
            {a.resolvedAt !== null ? (
              <Text size="sm">
                Resolved by {actorText(a.resolvedBy, props.me)} <When at={a.resolvedAt} />
              </Text>
            ) : null}
            <Text size="sm">
              {stepText(a.step)}; alerted: {a.alerted.join(', ') || 'nobody yet'}.
            </Text>
          </>
        ) : a.resolvedAt !== null ? (
          <Text size="sm">
            Resolved <When at={a.resolvedAt} />
          </Text>
        ) : null}
        <Group gap="sm">
          {handles && a.view === 'full' && a.acknowledgedAt === null ? (
            <Button
              size="xs"
              onClick={() => void act('acknowledge')}
              loading={busy === 'acknowledge'}
            >
              Acknowledge
            </Button>
          ) : null}
          {handles ? (
            <>
              <Button
                size="xs"
                variant="default"
                onClick={() => void act('escalate')}
                loading={busy === 'escalate'}
              >
                Escalate
              </Button>
              <Button
                size="xs"
                variant="default"
                onClick={() => void act('resolve')}
                loading={busy === 'resolve'}
              >
                Resolve
              </Button>
            </>
          ) : null}
          {props.detailLink ? (
            <Link to={href.alert(a.id)} aria-label={`Details of the alert for ${a.pt}`}>
              Details
            </Link>
          ) : null}
        </Group>
        {done ? (
          <Text size="sm" role="status">
            {done}
          </Text>
        ) : null}
        {problem ? (
          <Alert color="red" role="alert" data-testid="alert-problem">
            {problem}
          </Alert>
        ) : null}
      </Stack>
    </Card>
  );
}
