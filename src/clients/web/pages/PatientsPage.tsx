import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Group, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { Link, href } from '../app/router.js';
import { useSession } from '../app/session.js';
import { CriticalityBadge, When, Withheld } from '../components/status.js';
import { hhmm } from '../emergency/text.js';
import { orderAnnouncement, sortWard } from '../ward/order.js';
import { useWard, type WardEntry } from '../ward/useWard.js';

/** Roles the policies let break the glass (policies/v1/break-glass.cedar); the server decides. */
const MAY_BREAK_GLASS = new Set(['doctor', 'nurse', 'responder']);

/** The signed-in person's ward (GET /app/me): one row per patient, most critical first, live. */
export function PatientsPage() {
  const { me, api, reader, auth } = useSession();
  const token = useCallback(() => auth.accessToken(), [auth]);
  const { entries, live } = useWard(me, api, reader, token);
  const rows = useMemo(
    () =>
      sortWard(
        me.patients.map((p) => {
          const e = entries[p.pt];
          return {
            p,
            pt: p.pt,
            e,
            cl: e?.sealed?.cl,
            at: e?.sealed ? Date.parse(e.sealed.at) : undefined,
            news2: typeof e?.news2 === 'object' ? e.news2.value : undefined,
          };
        }),
      ),
    [entries, me.patients],
  );
  const order = rows.map((r) => r.pt).join(' ');
  // The first complete listing is the baseline: rows falling into place as they load are not news.
  const ready = rows.every((r) => r.e);
  const shown = useRef<string[]>([]);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (!ready) return;
    const said = orderAnnouncement(shown.current, rows);
    if (said) setAnnouncement(said);
    shown.current = rows.map((r) => r.pt);
    // The order, not every new value, is what is announced.
  }, [order, ready]);

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Your patients
        </Title>
        <Group gap="md">
          {MAY_BREAK_GLASS.has(me.role) ? (
            <Link to={href.emergency()}>Open a patient in an emergency</Link>
          ) : null}
          {me.patients.some((p) => p.versions) ? (
            <Badge variant="dot" color={live === 'live' ? 'green' : 'gray'} data-live={live}>
              {live === 'live' ? 'live' : live === 'closed' ? 'not live' : `${live}…`}
            </Badge>
          ) : null}
        </Group>
      </Group>
      {/* Polite: a re-sort is worth hearing, not worth interrupting (WCAG 2.2 SC 4.1.3). */}
      <VisuallyHidden role="status" aria-live="polite" data-testid="order-announcement">
        {announcement}
      </VisuallyHidden>
      {me.patients.length === 0 ? (
        <Text>You are not in any patient’s care episode.</Text>
      ) : (
        <Table
          striped
          highlightOnHover
          aria-label="Your patients, most critical first"
          data-testid="patients"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Patient</Table.Th>
              <Table.Th scope="col">Your role (level)</Table.Th>
              <Table.Th scope="col" aria-sort="descending">
                Criticality
              </Table.Th>
              <Table.Th scope="col">NEWS2</Table.Th>
              <Table.Th scope="col">Latest reading</Table.Th>
              <Table.Th scope="col">Manage</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(({ p, e: l }) => {
              return (
                <Table.Tr
                  key={p.pt}
                  data-pt={p.pt}
                  data-src={l?.sealed?.src}
                  data-emergency={p.emergency ? 'true' : undefined}
                >
                  <Table.Th scope="row">
                    <Group gap="xs">
                      <Link to={href.patient(p.pt)} aria-label={`Open the record of ${p.pt}`}>
                        {p.pt}
                      </Link>
                      {p.emergency ? (
                        <Badge color="red.8" variant="filled" data-testid="emergency-mark">
                          Emergency access until {hhmm(p.emergency.until)}
                        </Badge>
                      ) : null}
                    </Group>
                  </Table.Th>
                  <Table.Td>
                    {p.role ?? me.role} ({p.al ?? (p.emergency ? null : me.al) ?? 'none'})
                  </Table.Td>
                  <Table.Td>
                    {l?.sealed ? <CriticalityBadge cl={l.sealed.cl} size="md" /> : '—'}
                  </Table.Td>
                  <Table.Td data-testid="news2">
                    <Score entry={l} />
                  </Table.Td>
                  <Table.Td>
                    {l?.error ? (
                      <Text size="sm" c="red.8">
                        {l.error}
                      </Text>
                    ) : l?.sealed ? (
                      <When at={l.sealed.at} />
                    ) : l ? (
                      'no reading yet'
                    ) : (
                      'loading…'
                    )}
                  </Table.Td>
                  <Table.Td>
                    {p.emergency ? (
                      <Text size="sm">not in your care episodes</Text>
                    ) : (
                      <Group gap="sm">
                        <Link to={href.episode(p.pt)} aria-label={`Care episode of ${p.pt}`}>
                          Episode
                        </Link>
                        <Link to={href.devices(p.pt)} aria-label={`Gateways of ${p.pt}`}>
                          Devices
                        </Link>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** The NEWS2 total where the reader's version carries it; said to be withheld where it does not. */
function Score(props: { entry: WardEntry | undefined }) {
  const n = props.entry?.news2;
  if (n === 'withheld') return <Withheld />;
  if (!n) return <>—</>;
  return (
    <Text span fw={700} data-news2={n.value}>
      {n.value}
      {n.partial ? (
        <Text span size="xs" fw={400}>
          {' '}
          (partial)
        </Text>
      ) : null}
    </Text>
  );
}
