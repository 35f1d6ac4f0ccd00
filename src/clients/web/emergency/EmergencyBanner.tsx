import { useState } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';
import { emergencyApi } from '../api/emergency.js';
import { href, navigate } from '../app/router.js';
import { useSession } from '../app/session.js';
import { useNow } from '../components/status.js';
import { describeError } from '../session/api.js';
import type { MePatient } from '../session/me.js';
import { hhmm } from './text.js';

/**
 * On a record read through break the glass: says so, loudly, until when,
 * that it is audited, and lets the holder end it at once
 * (DELETE /app/emergency/:id).
 */
export function EmergencyBanner(props: {
  patient: MePatient & { emergency: { grant: string; until: number } };
}) {
  const { api, reloadMe } = useSession();
  const { pt, emergency } = props.patient;
  const now = useNow(5_000);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const over = now >= emergency.until;

  const end = async () => {
    setBusy(true);
    try {
      await emergencyApi(api).close(emergency.grant);
      navigate(href.patients());
      await reloadMe();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Alert
      color="red.9"
      variant="filled"
      role="region"
      aria-label="Emergency access"
      data-testid="emergency-banner"
      title={
        over
          ? 'Emergency access has ended'
          : `Emergency access until ${hhmm(emergency.until)} — audited`
      }
    >
      <Group justify="space-between" align="center">
        <Text size="sm">
          {over
            ? `Your emergency access to ${pt} is over; you no longer receive its readings.`
            : `You opened ${pt} by breaking the glass. Everything you open is logged; the patient and the data-protection officer have been told.`}
        </Text>
        {over ? null : (
          <Button color="red.9" variant="white" size="xs" loading={busy} onClick={() => void end()}>
            End now
          </Button>
        )}
      </Group>
      {error ? (
        <Text size="sm" role="alert" mt="xs">
          Could not end it: {error}
        </Text>
      ) : null}
    </Alert>
  );
}
