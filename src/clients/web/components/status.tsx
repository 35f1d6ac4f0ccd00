import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Center, Loader, Stack, Text } from '@mantine/core';
import type { Criticality } from '../../../protocol/levels.js';
import { ageOf, CRITICALITY_LABEL } from '../records/view.js';

/** Criticality in words and a mark, not colour alone (WCAG 2.2 SC 1.4.1). */
export function CriticalityBadge(props: { cl: Criticality; size?: 'md' | 'lg' | 'xl' }) {
  const c = CRITICALITY_LABEL[props.cl];
  return (
    <Badge
      color={c.color}
      size={props.size ?? 'lg'}
      variant={c.filled ? 'filled' : 'outline'}
      autoContrast
      data-criticality={props.cl}
      aria-label={`criticality ${c.text}`}
    >
      <span aria-hidden="true">{c.mark} </span>
      {c.text}
    </Badge>
  );
}

/** A masked element: says so in words, with a lock, never an empty cell. */
export function Withheld() {
  return (
    <Badge
      color="gray.7"
      variant="outline"
      data-withheld="true"
      aria-label="withheld at your level"
    >
      <LockIcon />
      withheld
    </Badge>
  );
}

export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** An absolute time and how long ago it was ("09:41:07 · 12 s ago"). */
export function When(props: { at: string | number }) {
  const now = useNow();
  const t = typeof props.at === 'number' ? new Date(props.at) : new Date(props.at);
  const valid = Number.isFinite(t.getTime());
  return (
    <time dateTime={valid ? t.toISOString() : undefined} title={valid ? t.toString() : undefined}>
      {valid ? t.toLocaleString() : String(props.at)} · {ageOf(t.getTime(), now)}
    </time>
  );
}

export function ErrorState(props: { title?: string; message: string; onRetry?: () => void }) {
  return (
    <Alert color="red" title={props.title ?? 'Something went wrong'} role="alert" variant="light">
      <Stack gap="xs">
        <Text size="sm">{props.message}</Text>
        {props.onRetry ? (
          <Text size="sm">
            <Button size="xs" variant="default" onClick={props.onRetry}>
              Try again
            </Button>
          </Text>
        ) : null}
      </Stack>
    </Alert>
  );
}

export function Loading(props: { label: string }) {
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="sm" aria-hidden="true" />
        <Text size="sm">{props.label}</Text>
      </Stack>
    </Center>
  );
}

/** A padlock drawn inline (no emoji font needed, no external image for the CSP to allow). */
function LockIcon() {
  return (
    <svg
      aria-hidden="true"
      width="10"
      height="10"
      viewBox="0 0 16 16"
      fill="currentColor"
      style={{ marginRight: 4, verticalAlign: '-1px' }}
    >
      <path d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 1 0-4 0v2z" />
    </svg>
  );
}
