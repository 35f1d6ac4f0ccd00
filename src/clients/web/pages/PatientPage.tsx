import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, href } from '../app/router.js';
import { useSession } from '../app/session.js';
import { CriticalityBadge, ErrorState, Loading, When, Withheld } from '../components/status.js';
import { EmergencyBanner } from '../emergency/EmergencyBanner.js';
import { CommandPanel } from '../commands/CommandPanel.js';
import { MFA_MESSAGE } from '../emergency/text.js';
import { vitalPoint } from '../charts/series.js';
import { useVitals } from '../charts/useVitals.js';
import { listen, type LiveStatus } from '../records/live.js';
import { recordView, type RecordView } from '../records/view.js';
import { ApiError, describeError } from '../session/api.js';

// uPlot and the charts load with the first patient page, not with the sign-in page.
const VitalCharts = lazy(() =>
  import('../charts/VitalCharts.js').then((m) => ({ default: m.VitalCharts })),
);

/** Roles policies/v1/commands.cedar lets command a patient's devices (the server decides each one). */
const COMMANDERS = new Set(['doctor', 'nurse', 'responder']);

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
};

/**
 * A patient's latest record at the signed-in person's level, decrypted in
 * this browser; new versions arrive over the CSE's WebSocket channel.
 */
export function PatientPage(props: { pt: string }) {
  const { pt } = props;
  const { me, api, reader, auth } = useSession();
  const mine = me.patients.find((p) => p.pt === pt);
  const [record, setRecord] = useState<RecordView | null>();
  const [error, setError] = useState<string>();
  const [live, setLive] = useState<LiveStatus>('connecting');

  const load = useCallback(async () => {
    setError(undefined);
    try {
      setRecord((await reader.latest(pt)) ?? null);
    } catch (err) {
      // Invited without access to earlier data: the latest version may predate joining.
      if (err instanceof ApiError && err.code === 'history_not_allowed') setRecord(null);
      else setError(describeError(err));
    }
  }, [pt, reader]);

  // Under a grant without a second factor in this sign-in the policies give no level to read.
  const blocked = !!mine?.emergency && !mine.versions;
  const token = useCallback(() => auth.accessToken(), [auth]);
  const vitals = useVitals(pt, me, reader, token, !!mine && !blocked);
  const addVital = vitals.add;

  useEffect(() => {
    if (!mine || blocked) return;
    void load();
    let cancelled = false;
    // Listen first: the CSE verifies a new subscription's target (TS-0001 §10.2.10.1, "verification
    // request"), and this person's AE is reachable only while its WebSocket channel is open.
    let subscribed = false;
    const stop = listen(
      me.ae,
      () => auth.accessToken(),
      (sealed) => {
        if (sealed.pt !== pt) return;
        reader.openContent(sealed).then(
          (content) => {
            const v = recordView(sealed, content);
            addVital(vitalPoint(sealed, content));
            setError(undefined);
            setRecord((old) =>
              !old || Date.parse(v.sealed.at) >= Date.parse(old.sealed.at) ? v : old,
            );
          },
          (err: unknown) => setError(describeError(err)),
        );
      },
      (status) => {
        setLive(status);
        if (status !== 'live' || subscribed || cancelled) return;
        subscribed = true;
        api('POST', '/app/subscriptions', { pt, kind: 'all' }).then(
          () => void load(), // whatever came before the subscription
          (err: unknown) => {
            subscribed = false;
            setError(describeError(err));
          },
        );
      },
    );
    return () => {
      cancelled = true;
      stop();
    };
  }, [addVital, api, auth, blocked, load, me.ae, mine, pt, reader]);

  if (!mine)
    return <ErrorState title="Not one of your patients" message={`${pt} is not in your care.`} />;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {pt}
        </Title>
        <Group gap="sm">
          <Text size="sm">
            You see this record as <b>{mine.role ?? me.role}</b>, level{' '}
            {/* Under a grant the level is the grant's (none without a second factor), not my account's. */}
            <b>{mine.al ?? (mine.emergency ? 'none' : me.al) ?? 'none'}</b>.
          </Text>
          {blocked ? null : (
            <Badge
              variant="dot"
              color={live === 'live' ? 'green' : 'gray'}
              role="status"
              aria-live="polite"
              data-live={live}
            >
              {LIVE_TEXT[live]}
            </Badge>
          )}
        </Group>
      </Group>
      {mine.emergency ? <EmergencyBanner patient={{ ...mine, emergency: mine.emergency }} /> : null}
      {blocked ? (
        <ErrorState
          title="The record cannot be read in this sign-in"
          message={`Reading a record under emergency access: ${MFA_MESSAGE}`}
        />
      ) : null}
      <Group gap="md">
        <Link to={href.patients()}>All patients</Link>
        {mine.emergency ? null : (
          <>
            <Link to={href.episode(pt)}>Care episode</Link>
            <Link to={href.devices(pt)}>Gateways</Link>
          </>
        )}
      </Group>
      {error ? <ErrorState message={error} onRetry={() => void load()} /> : null}
      {record === undefined && !error && !blocked ? (
        <Loading label="Decrypting the latest record…" />
      ) : null}
      {record === null ? (
        <Text role="status">
          No reading of {pt} that you may read yet; new readings appear here.
        </Text>
      ) : null}
      {record ? <Record view={record} /> : null}
      {!mine.emergency && COMMANDERS.has(mine.role ?? me.role) ? <CommandPanel pt={pt} /> : null}
      {mine.versions && !blocked ? (
        <Suspense fallback={<Loading label="Loading the charts…" />}>
          <VitalCharts vitals={vitals} />
        </Suspense>
      ) : null}
    </Stack>
  );
}

function Record(props: { view: RecordView }) {
  const { sealed, rows, news2 } = props.view;
  return (
    <Stack data-testid="record" data-rl={sealed.rl} data-src={sealed.src}>
      <Card withBorder component="section" aria-labelledby="headline">
        <Group justify="space-between" align="center">
          <Stack gap={4}>
            <Title order={2} size="h4" id="headline">
              Criticality
            </Title>
            <CriticalityBadge cl={sealed.cl} size="xl" />
          </Stack>
          <Stack gap={4} data-testid="news2">
            <Text fw={600}>NEWS2 score</Text>
            {news2 === undefined ? (
              <Text>not scored</Text>
            ) : news2.withheld ? (
              <Withheld />
            ) : (
              <Text size="xl" fw={700}>
                {news2.value}
                {news2.partial ? (
                  <Text span size="sm" fw={400}>
                    {' '}
                    (partial: some vital signs missing)
                  </Text>
                ) : null}
              </Text>
            )}
          </Stack>
          <Stack gap={4}>
            <Text fw={600}>Measured</Text>
            <Text size="sm" data-testid="measured-at">
              <When at={sealed.at} />
            </Text>
          </Stack>
        </Group>
      </Card>
      <Table aria-label="Latest vital signs" data-testid="vitals" withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Measurement</Table.Th>
            <Table.Th scope="col">Value</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r, i) => (
            <Table.Tr key={i} data-withheld={r.withheld ? 'true' : undefined}>
              <Table.Th scope="row" fw={500}>
                {r.name}
              </Table.Th>
              <Table.Td>{r.withheld ? <Withheld /> : r.value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="gray.7">
        Version {sealed.rl} (epoch {sealed.epoch}) of reading {sealed.src}, decrypted in this
        browser.
      </Text>
    </Stack>
  );
}
