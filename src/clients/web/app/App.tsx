import { useSyncExternalStore } from 'react';
import { Box, Button, Container, Group, Text, Title } from '@mantine/core';
import type { AppAuth } from '../session/any-auth.js';
import { DevicesPage } from '../pages/DevicesPage.js';
import { EpisodePage } from '../pages/EpisodePage.js';
import { PatientPage } from '../pages/PatientPage.js';
import { PatientsPage } from '../pages/PatientsPage.js';
import { SignInPage } from '../pages/SignInPage.js';
import { NoticesPage } from '../pages/NoticesPage.js';
import { EmergencyPage } from '../pages/EmergencyPage.js';
import { SecurityPage } from '../pages/SecurityPage.js';
import { NoticesLink } from '../emergency/NoticesLink.js';
import { AlertInboxProvider } from '../alerts/context.js';
import { AlertsLink } from '../alerts/AlertsLink.js';
import { AlertPage, AlertsPage } from '../pages/AlertsPage.js';
import { ErrorState, Loading } from '../components/status.js';
import { Link, href, useRoute } from './router.js';
import { SessionProvider, useSession } from './session.js';

export function App(props: { auth: AppAuth }) {
  const { auth } = props;
  const user = useSyncExternalStore(
    (l) => auth.onChange(l),
    () => auth.user,
  );
  const page = (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Box
        component="header"
        py="sm"
        style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}
      >
        <Container size="lg">
          <Group h="100%" justify="space-between">
            <Title order={2} size="h3" component="p">
              <Link to={href.patients()} aria-label="Tutela, your patients">
                Tutela
              </Link>
            </Title>
            {user ? (
              <Group gap="sm">
                <AlertsLink />
                <NoticesLink key={user.id} auth={auth} />
                <Link to={href.security()}>Your sign-in</Link>
                <Text size="sm" data-testid="signed-in-as">
                  {user.id} · {user.role}
                  {user.al ? ` (level ${user.al})` : ''}
                </Text>
                <Button variant="default" size="xs" onClick={() => auth.signOut()}>
                  Sign out
                </Button>
              </Group>
            ) : null}
          </Group>
        </Container>
      </Box>
      <Container size="lg" component="main" id="main" tabIndex={-1} py="md">
        {user ? (
          <SessionProvider
            key={user.id}
            auth={auth}
            fallback={(s) =>
              s.error ? (
                <ErrorState title="Could not start your session" message={s.error} />
              ) : (
                <Loading label={s.loading ?? 'Loading…'} />
              )
            }
          >
            <Pages />
          </SessionProvider>
        ) : (
          <SignInPage auth={auth} />
        )}
      </Container>
    </>
  );
  // One live alert channel per signed-in person, for the header's count and the inbox.
  return user ? (
    <AlertInboxProvider key={user.id} auth={auth} user={user.id}>
      {page}
    </AlertInboxProvider>
  ) : (
    page
  );
}

function Pages() {
  const route = useRoute();
  useSession();
  switch (route.page) {
    case 'patients':
      return <PatientsPage />;
    case 'patient':
      return <PatientPage key={route.pt} pt={route.pt} />;
    case 'episode':
      return <EpisodePage key={route.pt} pt={route.pt} />;
    case 'devices':
      return <DevicesPage key={route.pt} pt={route.pt} />;
    case 'notices':
      return <NoticesPage />;
    case 'emergency':
      return <EmergencyPage />;
    case 'security':
      return <SecurityPage />;
    case 'alerts':
      return <AlertsPage />;
    case 'alert':
      return <AlertPage key={route.id} id={route.id} />;
    default:
      return <ErrorState title="Page not found" message="There is no such page in Tutela." />;
  }
}
