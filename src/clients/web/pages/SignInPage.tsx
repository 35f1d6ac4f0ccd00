import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Code, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { ApiError, describeError } from '../session/api.js';
import type { AppAuth } from '../session/any-auth.js';

/**
 * Sign-in: through the platform's OpenID provider (authorization code +
 * PKCE), or, for developers and tools, by pasting an access token the
 * provider issued (a JWT). Both end behind the same Auth interface.
 */
export function SignInPage(props: { auth: AppAuth }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.auth.signIn(token);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That access token was not accepted. Check it and try again.'
          : describeError(err),
      );
      setBusy(false);
    }
  };

  return (
    <Card
      withBorder
      maw={460}
      mx="auto"
      mt="xl"
      p="lg"
      component="section"
      aria-labelledby="sign-in-title"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack>
          <Title order={1} size="h2" id="sign-in-title">
            Sign in to Tutela
          </Title>
          {props.auth.endedBecause ? (
            <Alert color="yellow" role="status">
              {props.auth.endedBecause}
            </Alert>
          ) : null}
          {props.auth.providerAvailable ? (
            <>
              <Button
                variant="filled"
                onClick={() => {
                  setBusy(true);
                  void props.auth.signIn();
                }}
              >
                Sign in with your Tutela account
              </Button>
              <Text size="sm" c="gray.7">
                Or, for developers, with an access token:
              </Text>
            </>
          ) : null}
          <Text size="sm">
            Paste an access token this platform’s sign-in issued (a JWT, valid for{' '}
            <Code>5 minutes</Code>).
          </Text>
          <PasswordInput
            label="Access token"
            name="token"
            autoComplete="current-password"
            required
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            error={error}
            aria-invalid={error ? true : undefined}
            data-autofocus
          />
          <Button
            type="submit"
            loading={busy}
            variant={props.auth.providerAvailable ? 'default' : 'filled'}
          >
            Sign in
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
