import { useCallback, useEffect, useState } from 'react';
import { startRegistration } from '@simplewebauthn/browser';
import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { addPasskey, listPasskeys, removePasskey, type PasskeyEntry } from '../api/passkeys.js';
import { useSession } from '../app/session.js';
import { AlertEmail } from '../security/AlertEmail.js';
import { PASSKEYS_NEED_A_NAME, passkeyProblem, passkeysPossibleAt } from '../security/text.js';

/**
 * Your sign-in: add a passkey (WebAuthn) so the next sign-in can be the
 * device's screen lock or a security key instead of a password and code
 * (docs/auth-server.md, "Passkeys"; issue 4: passkeys as a first-class way in).
 */
export function SecurityPage() {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [passkeys, setPasskeys] = useState<PasskeyEntry[]>();
  const possible = passkeysPossibleAt(location.hostname);

  const load = useCallback(async () => {
    try {
      setPasskeys(await listPasskeys(api));
    } catch (err) {
      setProblem(passkeyProblem(err));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const act = async (what: () => Promise<unknown>, then: () => void) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await what();
      then();
      await load();
    } catch (err) {
      setProblem(passkeyProblem(err));
    } finally {
      setBusy(false);
    }
  };
  const add = () =>
    act(
      () => addPasskey(api, startRegistration),
      () => setAdded(true),
    );

  return (
    <Stack maw={640}>
      <Title order={1} size="h2">
        Your sign-in
      </Title>
      <Title order={2} size="h3">
        Passkeys
      </Title>
      <Text>
        A passkey lets you sign in with this device’s screen lock (fingerprint, face or PIN) or a
        security key instead of your password and authenticator code, and counts as your second
        factor. The private key never leaves the device; the platform keeps only its public key.
      </Text>
      {possible ? null : (
        <Alert color="yellow" role="status">
          {PASSKEYS_NEED_A_NAME}
        </Alert>
      )}
      <div>
        <Button onClick={() => void add()} loading={busy} disabled={!possible}>
          Add a passkey
        </Button>
      </div>
      {added ? (
        <Alert color="green" role="status" data-testid="passkey-added">
          Passkey added. Next time, choose “Sign in with a passkey” on the sign-in page.
        </Alert>
      ) : null}
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
      {passkeys?.length ? (
        <Stack
          component="ul"
          p={0}
          m={0}
          gap="xs"
          aria-label="Your passkeys"
          data-testid="passkeys"
        >
          {passkeys.map((p) => (
            <Group component="li" key={p.id} justify="space-between" data-passkey={p.id}>
              <Text size="sm">Passkey added {new Date(p.createdAt).toLocaleString()}</Text>
              <Button
                size="xs"
                variant="default"
                disabled={busy}
                aria-label={`Remove the passkey added ${new Date(p.createdAt).toLocaleString()}`}
                onClick={() =>
                  void act(
                    () => removePasskey(api, p.id),
                    () => setAdded(false),
                  )
                }
              >
                Remove
              </Button>
            </Group>
          ))}
        </Stack>
      ) : passkeys ? (
        <Text size="sm">You have no passkey yet.</Text>
      ) : null}
      <AlertEmail />
    </Stack>
  );
}
