import { useCallback, useEffect, useState } from 'react';
import { Badge, Blockquote, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { emergencyApi, type Notice } from '../api/emergency.js';
import { useSession } from '../app/session.js';
import { ErrorState, Loading, When, useNow } from '../components/status.js';
import { noticesChanged } from '../emergency/NoticesLink.js';
import { endedBy, grantState, newestFirst } from '../emergency/text.js';
import { describeError } from '../session/api.js';

/**
 * What I was told (GET /app/notices), newest first: each emergency access
 * to a patient (break the glass), who opened it, when, until when or how it
 * ended, and why. The patient may end an open grant from here.
 */
export function NoticesPage() {
  const { api } = useSession();
  const [notices, setNotices] = useState<Notice[]>();
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();

  const load = useCallback(async () => {
    try {
      setNotices(newestFirst(await emergencyApi(api).notices()));
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setStatus(done);
      setError(undefined);
      await load();
      noticesChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        Notices
      </Title>
      <Text role="status" c="green.8" data-testid="notices-status">
        {status}
      </Text>
      {error ? <ErrorState message={error} onRetry={() => void load()} /> : null}
      {!notices && !error ? <Loading label="Loading your notices…" /> : null}
      {notices?.length === 0 ? <Text>You have no notices.</Text> : null}
      {notices && notices.length > 0 ? (
        <Stack component="ul" p={0} m={0} gap="md" aria-label="Notices" data-testid="notices">
          {notices.map((n) => (
            <NoticeCard
              key={n.id}
              notice={n}
              onRead={() => void act(() => emergencyApi(api).markRead(n.id), 'Marked as read.')}
              onEnd={() =>
                void act(
                  () => emergencyApi(api).close(n.grant.id),
                  `The emergency access to ${n.pt} has ended.`,
                )
              }
            />
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}

function NoticeCard(props: { notice: Notice; onRead: () => void; onEnd: () => void }) {
  const { notice: n } = props;
  const { me } = useSession();
  const now = useNow(5_000);
  const state = grantState(n.grant, me.id, now);
  // Only the patient (not a DPO) may end the grant (DELETE /app/emergency/:id).
  const isPatient =
    me.patients.some((p) => p.pt === n.pt && p.role === 'patient') || me.role === 'patient';
  const unread = n.readAt === null;
  const titleId = `notice-${n.id}`;
  return (
    <Card
      component="li"
      withBorder
      aria-labelledby={titleId}
      data-notice={n.id}
      data-unread={unread ? 'true' : 'false'}
      data-grant-open={state.open ? 'true' : 'false'}
      style={{
        listStyle: 'none',
        borderLeft: unread ? '6px solid var(--mantine-color-red-7)' : undefined,
      }}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4" id={titleId}>
            Emergency access to {n.pt}
          </Title>
          <Group gap="xs">
            {unread ? (
              <Badge color="red.8" variant="filled">
                unread
              </Badge>
            ) : null}
            <Badge color={state.open ? 'red.8' : 'gray.7'} variant="outline">
              {state.open ? 'open' : 'ended'}
            </Badge>
          </Group>
        </Group>
        <Text size="sm">
          <b>{n.grant.by}</b> ({n.grant.role ?? 'role unknown'}) opened access to <b>{n.pt}</b> on{' '}
          <When at={n.grant.openedAt} />.
        </Text>
        <Text size="sm" data-testid="grant-end">
          {state.open ? (
            <>
              Open until <When at={state.until} />.
            </>
          ) : (
            <>
              Ended <When at={state.at} /> {endedBy(state)}.
            </>
          )}
        </Text>
        {n.grant.reason === null ? (
          <Text size="sm" fs="italic" data-testid="reason">
            Reason no longer readable.
          </Text>
        ) : (
          <Blockquote p="xs" data-testid="reason" cite="— the reason given">
            {n.grant.reason}
          </Blockquote>
        )}
        <Group gap="sm">
          {unread ? (
            <Button
              size="xs"
              variant="default"
              onClick={props.onRead}
              aria-label={`Mark read: emergency access to ${n.pt}`}
            >
              Mark read
            </Button>
          ) : null}
          {state.open && isPatient ? (
            <Button size="xs" color="red.9" onClick={props.onEnd}>
              End this access now
            </Button>
          ) : null}
        </Group>
      </Stack>
    </Card>
  );
}
