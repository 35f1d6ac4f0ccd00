import { useState } from 'react';
import { startRegistration } from '@simplewebauthn/browser';
import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { addPasskey } from '../api/passkeys.js';
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
  const possible = passkeysPossibleAt(location.hostname);

  const add = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await addPasskey(api, startRegistration);
      setAdded(true);
    } catch (err) {
      setProblem(passkeyProblem(err));
    } finally {
      setBusy(false);
    }
  };

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
      <AlertEmail />
    </Stack>
  );
}
