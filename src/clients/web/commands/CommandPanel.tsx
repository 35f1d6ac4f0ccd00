import { useCallback, useEffect, useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Group,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { COMMAND_DEVICES, COMMAND_KINDS, type CommandKind } from '../../../protocol/command.js';
import { commandsApi, type Command } from '../api/commands.js';
import { useSession } from '../app/session.js';
import { When } from '../components/status.js';
import { describeError } from '../session/api.js';
import {
  DEVICE_TEXT,
  KIND_TEXT,
  checkCommand,
  commandRefusal,
  commandText,
  refreshEvery,
  stateText,
  type CommandForm,
  type FormErrors,
} from './form.js';

const initial = (kind: CommandKind): CommandForm => ({
  kind,
  device: COMMAND_DEVICES[kind][0]!,
  minutes: '15',
  rate: '',
});

/**
 * Remote commands to the patient's devices (docs/commands.md), on the
 * patient page of those whose role may issue them: a form checked against
 * the protocol's bounds, and the patient's commands with their state,
 * asked again every 2 s while one is on its way to the device. A proposed
 * dose change carries "Confirm" for a second clinician; the server decides
 * who may (four eyes, second factor) and its refusals are shown in words.
 */
export function CommandPanel(props: { pt: string }) {
  const { pt } = props;
  const { api, me } = useSession();
  const cmds = commandsApi(api);
  const [form, setForm] = useState<CommandForm>(initial('changeInterval'));
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string }>();
  const [list, setList] = useState<Command[]>();
  const [listError, setListError] = useState<string>();
  const [confirming, setConfirming] = useState<string>();

  const load = useCallback(async () => {
    try {
      setList(await commandsApi(api).list(pt));
      setListError(undefined);
    } catch (err) {
      setListError(describeError(err));
    }
  }, [api, pt]);

  const every = refreshEvery(list ?? []);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), every);
    return () => clearInterval(t);
  }, [load, every]);

  const submit = async () => {
    setSaid(undefined);
    const checked = checkCommand(form);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const c = await cmds.issue(pt, checked.request);
      setSaid({ ok: true, text: `${commandText(c)}: ${stateText(c)}.` });
      await load();
    } catch (err) {
      setSaid({ ok: false, text: commandRefusal(err) });
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (c: Command) => {
    setConfirming(c.id);
    setSaid(undefined);
    try {
      const done = await cmds.confirm(pt, c.id);
      setSaid({ ok: true, text: `Confirmed: ${commandText(done)}: ${stateText(done)}.` });
      await load();
    } catch (err) {
      setSaid({ ok: false, text: commandRefusal(err) });
    } finally {
      setConfirming(undefined);
    }
  };

  const field = (k: keyof FormErrors) => ({
    error: errors[k],
    'aria-invalid': errors[k] ? true : undefined,
  });

  return (
    <Card
      withBorder
      component="section"
      aria-labelledby="commands-title"
      data-testid="command-panel"
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id="commands-title">
          Commands to the devices
        </Title>
        <Text size="sm">
          Sealed to the patient’s gateway; a device acts on a command within 10 minutes or not at
          all. An infusion rate is sent only once a second clinician confirms it.
        </Text>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
          noValidate
        >
          <Group align="flex-end" gap="sm">
            <NativeSelect
              label="Command"
              value={form.kind}
              data={COMMAND_KINDS.map((k) => ({ value: k, label: KIND_TEXT[k] }))}
              onChange={(e) => {
                setForm(initial(e.currentTarget.value as CommandKind));
                setErrors({});
              }}
            />
            <NativeSelect
              label="Device"
              value={form.device}
              data={COMMAND_DEVICES[form.kind].map((d) => ({
                value: d,
                label: DEVICE_TEXT[d] ?? d,
              }))}
              onChange={(e) => setForm({ ...form, device: e.currentTarget.value })}
              {...field('device')}
            />
            {form.kind === 'changeInterval' ? (
              <TextInput
                label="Every (minutes, 1–240)"
                inputMode="numeric"
                value={form.minutes}
                onChange={(e) => setForm({ ...form, minutes: e.currentTarget.value })}
                {...field('minutes')}
              />
            ) : null}
            {form.kind === 'changeDose' ? (
              <TextInput
                label="Rate (mL/h, 0–500)"
                inputMode="decimal"
                value={form.rate}
                onChange={(e) => setForm({ ...form, rate: e.currentTarget.value })}
                {...field('rate')}
              />
            ) : null}
            <Button type="submit" loading={busy}>
              {form.kind === 'changeDose' ? 'Propose' : 'Send'}
            </Button>
          </Group>
        </form>
        {said ? (
          <Alert
            color={said.ok ? 'green' : 'red'}
            role={said.ok ? 'status' : 'alert'}
            data-testid="command-said"
          >
            {said.text}
          </Alert>
        ) : null}
        {listError ? (
          <Alert color="red" role="alert">
            {listError}
          </Alert>
        ) : null}
        {list && list.length === 0 ? <Text size="sm">No commands yet.</Text> : null}
        {list && list.length ? (
          <Table
            withTableBorder
            data-testid="commands"
            aria-label={`Commands to the devices of ${pt}`}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Command</Table.Th>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">By</Table.Th>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Action</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody aria-live="polite">
              {list.map((c) => (
                <Table.Tr key={c.id} data-command={c.id} data-state={c.state} data-kind={c.kind}>
                  <Table.Th scope="row" fw={500}>
                    {commandText(c)}
                  </Table.Th>
                  <Table.Td>{stateText(c)}</Table.Td>
                  <Table.Td>
                    {c.proposedBy === me.id ? 'you' : c.proposedBy}
                    {c.confirmedBy
                      ? `, confirmed by ${c.confirmedBy === me.id ? 'you' : c.confirmedBy}`
                      : ''}
                  </Table.Td>
                  <Table.Td>
                    <When at={c.doneAt ?? c.sentAt ?? c.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    {c.state === 'awaiting-confirmation' && c.kind === 'changeDose' ? (
                      <Button
                        size="xs"
                        onClick={() => void confirm(c)}
                        loading={confirming === c.id}
                        aria-label={`Confirm ${commandText(c)}`}
                      >
                        Confirm
                      </Button>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Card>
  );
}
