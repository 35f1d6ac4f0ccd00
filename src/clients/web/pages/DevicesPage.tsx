import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { devicesApi, type ClaimCode, type GatewayDevice } from '../api/devices.js';
import { Link, href } from '../app/router.js';
import { useSession } from '../app/session.js';
import { ErrorState, Loading, When } from '../components/status.js';
import { describeError, notAvailable } from '../session/api.js';

/** A patient's gateways: make a one-time claim code, list them, revoke one (CONTRACTS.md). */
export function DevicesPage(props: { pt: string }) {
  const { pt } = props;
  const { api } = useSession();
  const [devices, setDevices] = useState<GatewayDevice[]>();
  const [code, setCode] = useState<ClaimCode>();
  const [error, setError] = useState<string>();
  const [missing, setMissing] = useState(false);

  const load = useCallback(async () => {
    try {
      setDevices(await devicesApi(api).list(pt));
      setError(undefined);
    } catch (err) {
      const absent = notAvailable(err, 'Gateway devices');
      setMissing(!!absent);
      setError(absent ?? describeError(err));
    }
  }, [api, pt]);
  useEffect(() => void load(), [load]);

  const claim = async () => {
    try {
      setCode(await devicesApi(api).claimCode(pt));
    } catch (err) {
      setError(describeError(err));
    }
  };
  const revoke = async (dev: string) => {
    if (!window.confirm(`Revoke gateway ${dev}? It will be refused everywhere at once.`)) return;
    try {
      await devicesApi(api).revoke(dev);
      await load();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        Gateways of {pt}
      </Title>
      <Link to={href.patient(pt)}>Back to the record</Link>
      {error ? <ErrorState message={error} onRetry={() => void load()} /> : null}
      {missing ? null : (
        <Card withBorder component="section" aria-labelledby="claim-title">
          <Stack gap="xs">
            <Title order={2} size="h4" id="claim-title">
              Claim a new gateway
            </Title>
            <Text size="sm">
              A claim code is single use and valid for 24 hours: enter it on the patient’s gateway.
            </Text>
            <Group>
              <Button onClick={() => void claim()}>Create a claim code</Button>
            </Group>
            {code ? (
              <Text role="status">
                Claim code <Code data-testid="claim-code">{code.code}</Code>, valid until{' '}
                <When at={code.expiresAt} />
              </Text>
            ) : null}
          </Stack>
        </Card>
      )}
      {!devices && !error ? <Loading label="Loading gateways…" /> : null}
      {devices ? (
        devices.length === 0 ? (
          <Text>No gateway claimed for {pt} yet.</Text>
        ) : (
          <Table aria-label="Gateways" data-testid="devices" withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Gateway</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Certificate serial</Table.Th>
                <Table.Th scope="col">Claimed</Table.Th>
                <Table.Th scope="col">Valid until</Table.Th>
                <Table.Th scope="col">Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {devices.map((d) => (
                <Table.Tr key={d.dev} data-dev={d.dev}>
                  <Table.Th scope="row">{d.dev}</Table.Th>
                  <Table.Td>
                    <Badge color={d.status === 'active' ? 'green' : 'gray'} variant="light">
                      {d.status === 'active' ? '● active' : '✕ revoked'}
                    </Badge>
                    {d.revokedAt ? (
                      <Text size="xs">
                        <When at={d.revokedAt} />
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Code>{d.serial}</Code>
                  </Table.Td>
                  <Table.Td>
                    <When at={d.claimedAt} />
                  </Table.Td>
                  <Table.Td>{new Date(d.notAfter).toLocaleDateString()}</Table.Td>
                  <Table.Td>
                    {d.status === 'active' ? (
                      <Button
                        size="xs"
                        color="red"
                        variant="light"
                        onClick={() => void revoke(d.dev)}
                        aria-label={`Revoke ${d.dev}`}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      ) : null}
    </Stack>
  );
}
