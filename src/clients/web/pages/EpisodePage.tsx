import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { CONFIDENTIALITY } from '../../../protocol/levels.js';
import { episodesApi, ROLES, type Episode } from '../api/episodes.js';
import { Link, href, navigate } from '../app/router.js';
import { useSession } from '../app/session.js';
import { ErrorState, Loading, When } from '../components/status.js';
import { describeError, notAvailable } from '../session/api.js';

/** A patient's care episode: who is in it, invite a participant, remove one (CONTRACTS.md). */
export function EpisodePage(props: { pt: string }) {
  const { pt } = props;
  const { api, me, reloadMe } = useSession();
  const episodes = episodesApi(api);
  const [episode, setEpisode] = useState<Episode>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    try {
      setEpisode(await episodesApi(api).get(pt));
      setError(undefined);
    } catch (err) {
      setError(notAvailable(err, 'Care episodes') ?? describeError(err));
    }
  }, [api, pt]);
  useEffect(() => void load(), [load]);

  const remove = async (user: string) => {
    const question =
      user === me.id
        ? `Leave the care episode of ${pt}? Your access ends at once.`
        : `Remove ${user} from the care episode of ${pt}? Their access ends at once.`;
    if (!window.confirm(question)) return;
    try {
      await episodes.remove(pt, user);
      if (user === me.id) {
        // Left: this patient is no longer mine; back to the list, with who I am read again.
        navigate(href.patients());
        await reloadMe();
        return;
      }
      setNotice(`${user} was removed; their access has ended.`);
      await load();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        Care episode of {pt}
      </Title>
      <Link to={href.patient(pt)}>Back to the record</Link>
      {notice ? (
        <Text role="status" c="green.8">
          {notice}
        </Text>
      ) : null}
      {error ? <ErrorState message={error} onRetry={() => void load()} /> : null}
      {!episode && !error ? <Loading label="Loading the episode…" /> : null}
      {episode ? (
        <Table aria-label="Participants" data-testid="participants" withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Participant</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Level</Table.Th>
              <Table.Th scope="col">Earlier data</Table.Th>
              <Table.Th scope="col">Joined</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {episode.participants.map((p) => (
              <Table.Tr key={p.user} data-user={p.user}>
                <Table.Th scope="row">{p.user}</Table.Th>
                <Table.Td>{p.role}</Table.Td>
                <Table.Td>{p.al ?? 'none'}</Table.Td>
                <Table.Td>{p.history ? 'yes' : 'no'}</Table.Td>
                <Table.Td>
                  <When at={p.joinedAt} />
                  {p.invitedBy ? ` (by ${p.invitedBy})` : ''}
                </Table.Td>
                <Table.Td>
                  {p.role === 'patient' ? null : (
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      onClick={() => void remove(p.user)}
                      aria-label={p.user === me.id ? 'Leave this episode' : `Remove ${p.user}`}
                    >
                      {p.user === me.id ? 'Leave' : 'Remove'}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {episode ? (
        <InviteForm
          pt={pt}
          onInvited={async (user) => {
            setNotice(`${user} joined the care episode.`);
            await load();
          }}
        />
      ) : null}
    </Stack>
  );
}

function InviteForm(props: { pt: string; onInvited: (user: string) => Promise<void> }) {
  const { api } = useSession();
  const [user, setUser] = useState('');
  const [role, setRole] = useState('nurse');
  const [al, setAl] = useState('');
  const [history, setHistory] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await episodesApi(api).invite(props.pt, {
        user: user.trim(),
        role,
        ...(al ? { al } : {}),
        history,
      });
      setUser('');
      await props.onInvited(user.trim());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="invite-title">
      <Stack gap="sm" maw={520}>
        <Title order={2} size="h4" id="invite-title">
          Invite a participant
        </Title>
        <TextInput
          label="User id"
          required
          value={user}
          onChange={(e) => setUser(e.currentTarget.value)}
        />
        <Group grow>
          <NativeSelect
            label="Role"
            data={[...ROLES]}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value)}
          />
          <NativeSelect
            label="Level"
            data={[{ value: '', label: "the role's default" }, ...CONFIDENTIALITY]}
            value={al}
            onChange={(e) => setAl(e.currentTarget.value)}
          />
        </Group>
        <Checkbox
          label="May read data from before joining"
          checked={history}
          onChange={(e) => setHistory(e.currentTarget.checked)}
        />
        {error ? <ErrorState title="Not invited" message={error} /> : null}
        <Group>
          <Button type="submit" loading={busy}>
            Invite
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
