import { useEffect, useState } from 'react';
import { Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { SealedVersion } from '../../../protocol/envelope.js';
import { Link, href } from '../app/router.js';
import { useSession } from '../app/session.js';
import { CriticalityBadge, When } from '../components/status.js';
import { describeError } from '../session/api.js';
import { hhmm } from '../emergency/text.js';

/** Roles the policies let break the glass (policies/v1/break-glass.cedar); the server decides. */
const MAY_BREAK_GLASS = new Set(['doctor', 'nurse', 'responder']);

type Latest = { sealed?: SealedVersion; error?: string; loading?: boolean };

/** The signed-in person's patients (GET /app/me), each with its latest criticality and time. */
export function PatientsPage() {
  const { me, reader } = useSession();
  const [latest, setLatest] = useState<Record<string, Latest>>({});

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      Promise.all(
        me.patients.map(async (p) => {
          let entry: Latest;
          if (!p.versions) {
            if (!cancelled)
              setLatest((l) => ({
                ...l,
                [p.pt]: {
                  // A grant gives a level only to a sign-in with a second factor (break-glass.cedar).
                  error: p.emergency
                    ? 'readable only after a sign-in with a second factor'
                    : 'no clinical content at your level',
                },
              }));
            return;
          }
          try {
            // Header only: criticality and time travel in clear; nothing is decrypted here.
            entry = { sealed: await reader.latestSealed(p.pt) };
          } catch (err) {
            entry = { error: describeError(err) };
          }
          if (!cancelled) setLatest((l) => ({ ...l, [p.pt]: entry }));
        }),
      );
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => {
      cancelled = true;
      clearInterval(t);
    };
  }, [me, reader]);

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Your patients
        </Title>
        {MAY_BREAK_GLASS.has(me.role) ? (
          <Link to={href.emergency()}>Open a patient in an emergency</Link>
        ) : null}
      </Group>
      {me.patients.length === 0 ? (
        <Text>You are not in any patient’s care episode.</Text>
      ) : (
        <Table striped highlightOnHover aria-label="Your patients" data-testid="patients">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Patient</Table.Th>
              <Table.Th scope="col">Your role (level)</Table.Th>
              <Table.Th scope="col">Criticality</Table.Th>
              <Table.Th scope="col">Latest reading</Table.Th>
              <Table.Th scope="col">Manage</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {me.patients.map((p) => {
              const l = latest[p.pt];
              return (
                <Table.Tr
                  key={p.pt}
                  data-pt={p.pt}
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
