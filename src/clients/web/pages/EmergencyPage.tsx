import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, Group, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { emergencyApi, GRANT_MINUTES } from '../api/emergency.js';
import { Link, href, navigate } from '../app/router.js';
import { useSession } from '../app/session.js';
import { ErrorState } from '../components/status.js';
import { checkOpenForm, openRefusal } from '../emergency/text.js';
import { ApiError } from '../session/api.js';

/**
 * Break the glass (docs/break-glass.md): a clinician outside a patient's
 * care episode opens time-limited emergency access, with a mandatory
 * reason (POST /app/emergency). HIPAA §164.312(a)(2)(ii), emergency access
 * procedure: audited, and the patient and the data-protection officer are
 * told at once.
 */
export function EmergencyPage() {
  const { api, me, reloadMe } = useSession();
  const [pt, setPt] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(String(GRANT_MINUTES.default));
  const [errors, setErrors] = useState<ReturnType<typeof checkOpenForm>>({});
  const [refusal, setRefusal] = useState<{ message: string; participant: boolean }>();
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<string>();

  // Opened: go to the record once /app/me (asked again) lists the patient under the grant.
  useEffect(() => {
    if (opened && me.patients.some((p) => p.pt === opened)) navigate(href.patient(opened));
  }, [me, opened]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = checkOpenForm({ pt, reason, minutes });
    setErrors(found);
    setRefusal(undefined);
    if (Object.keys(found).length > 0) {
      // Take the person to the first field to correct (its message is read with it).
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>('#emergency-form [aria-invalid="true"]')?.focus(),
      );
      return;
    }
    setBusy(true);
    const id = pt.trim();
    try {
      await emergencyApi(api).open(id, reason.trim(), Number(minutes));
      setOpened(id);
      await reloadMe();
    } catch (err) {
      setRefusal({
        message: openRefusal(err, id),
        participant: err instanceof ApiError && err.code === 'already_participant',
      });
    } finally {
      setBusy(false);
    }
  };

  // Mantine sets aria-invalid and aria-describedby from `error` (the message is announced).
  const field = (name: keyof typeof errors) => ({ error: errors[name] });

  return (
    <Stack maw={640}>
      <Title order={1} size="h2">
        Open a patient in an emergency
      </Title>
      <Link to={href.patients()}>Back to your patients</Link>
      <Alert color="orange" variant="light" title="Break the glass only to treat in an emergency">
        <Text size="sm">
          This gives you the patient’s record (level R, never V) for a limited time although you do
          not take part in their care. <b>It is audited</b>: every record you open is logged, and{' '}
          <b>the patient and the data-protection officer are told at once</b> who you are, when,
          until when and the reason you give.
        </Text>
      </Alert>
      <form
        id="emergency-form"
        onSubmit={(e) => void submit(e)}
        aria-label="Emergency access"
        noValidate
      >
        <Stack gap="sm">
          <TextInput
            label="Patient id"
            description="As on the patient’s wristband or referral, e.g. pt-0001"
            required
            value={pt}
            onChange={(e) => setPt(e.currentTarget.value)}
            {...field('pt')}
          />
          <Textarea
            label="Reason"
            description="Mandatory. The patient and the data-protection officer will read it."
            required
            autosize
            minRows={3}
            maxLength={1000}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            {...field('reason')}
          />
          <TextInput
            label="Duration (minutes)"
            description={`${GRANT_MINUTES.default} by default, at most ${GRANT_MINUTES.max}`}
            type="number"
            inputMode="numeric"
            min={1}
            max={GRANT_MINUTES.max}
            required
            w={220}
            value={minutes}
            onChange={(e) => setMinutes(e.currentTarget.value)}
            {...field('minutes')}
          />
          {refusal ? (
            <ErrorState title="Emergency access not opened" message={refusal.message} />
          ) : null}
          {refusal?.participant ? (
            <Link to={href.patient(pt.trim())}>Open the record of {pt.trim()}</Link>
          ) : null}
          {opened ? (
            <Text role="status">Emergency access to {opened} is open. Opening the record…</Text>
          ) : null}
          <Group>
            <Button type="submit" color="red.9" loading={busy} disabled={!!opened}>
              Open emergency access
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
