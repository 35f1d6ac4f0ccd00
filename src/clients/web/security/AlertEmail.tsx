import { useEffect, useState } from 'react';
import { Alert, Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { contactApi } from '../api/contact.js';
import { useSession } from '../app/session.js';
import { describeError } from '../session/api.js';
import { checkEmail, emailProblem, savedText } from './email.js';

/**
 * Where alerts are e-mailed (issue 5: alerts reach people outside the app
 * too). Only one's own address (GET/PUT /app/me/contact); an empty field
 * removes it.
 */
export function AlertEmail() {
  const { api } = useSession();
  const [current, setCurrent] = useState<string | null>();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    contactApi(api)
      .get()
      .then(
        (e) => {
          setCurrent(e);
          setTyped(e ?? '');
        },
        (err: unknown) => setProblem(describeError(err)),
      );
  }, [api]);

  const save = async (value: string) => {
    setSaved(undefined);
    setProblem(undefined);
    const c = checkEmail(value);
    if (!c.ok) return setError(c.error);
    setError(undefined);
    setBusy(true);
    try {
      const e = await contactApi(api).set(c.email);
      setCurrent(e);
      setTyped(e ?? '');
      setSaved(savedText(e));
    } catch (err) {
      setProblem(emailProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="sm" component="section" aria-labelledby="alert-email-title">
      <Title order={2} size="h3" id="alert-email-title">
        Alert e-mails
      </Title>
      <Text>
        Alerts about your patients are shown in the app. Give an address to be told by e-mail as
        well: the e-mail says only that an alert of which criticality waits for you, for which
        patient (its pseudonymous id) and since when, with a link to your alerts; never what was
        found. A family member also gets a daily summary.
      </Text>
      <Text size="sm" data-testid="alert-email-current">
        {current === undefined
          ? 'Loading…'
          : current === null
            ? 'No address: alerts are not e-mailed to you.'
            : `Alerts are e-mailed to ${current}.`}
      </Text>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save(typed);
        }}
      >
        <Group align="flex-end" gap="sm">
          <TextInput
            label="E-mail address for alerts"
            type="email"
            autoComplete="email"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            error={error}
            aria-invalid={error ? true : undefined}
            w={320}
          />
          <Button type="submit" loading={busy}>
            Save
          </Button>
          {current ? (
            <Button variant="default" onClick={() => void save('')} disabled={busy}>
              Remove the address
            </Button>
          ) : null}
        </Group>
      </form>
      {saved ? (
        <Alert color="green" role="status" data-testid="alert-email-saved">
          {saved}
        </Alert>
      ) : null}
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
    </Stack>
  );
}
