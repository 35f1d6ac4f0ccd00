import { useMemo } from 'react';
import { Card, Stack, Text, Title } from '@mantine/core';
import { ErrorState } from '../components/status.js';
import { CHARTED, type ChartedKey } from './bands.js';
import { ConsciousnessStrip } from './ConsciousnessStrip.js';
import type { Vitals } from './useVitals.js';
import { VitalChart } from './VitalChart.js';

const SIGNS = Object.keys(CHARTED) as ChartedKey[];

/** The patient page's charts: the last 2 hours of each vital sign, live, over the NEWS2 bands. */
export function VitalCharts(props: { vitals: Vitals }) {
  const { window: win, revision, history, unreadable } = props.vitals;
  // Recomputed when the window changes (revision), not at every render.
  const series = useMemo(() => SIGNS.map((s) => [s, win.series(s)] as const), [win, revision]);
  const runs = useMemo(() => win.consciousness(), [win, revision]);
  return (
    <Card withBorder component="section" aria-labelledby="charts-title" data-testid="charts">
      <Stack gap="xs">
        <Title order={2} size="h4" id="charts-title">
          The last 2 hours
        </Title>
        <Text size="xs" c="gray.7">
          Shaded behind each line: the NEWS2 sub-score of that range (RCP 2017), darker for higher —
          light 1, medium 2, dark 3; unshaded 0. SpO₂ on scale 1. A break in a line is a reading
          without a valid value.
        </Text>
        {history === 'loading' ? (
          <Text size="sm" role="status">
            Decrypting the last 2 hours…
          </Text>
        ) : typeof history === 'object' ? (
          <ErrorState title="The history could not be read" message={history.error} />
        ) : unreadable > 0 ? (
          <Text size="xs" c="gray.7">
            {unreadable} earlier readings are not readable to you (e.g. from before you joined).
          </Text>
        ) : null}
        <div className="vital-charts">
          {series.map(([sign, s]) => (
            <VitalChart key={sign} sign={sign} series={s} />
          ))}
          <ConsciousnessStrip runs={runs} />
        </div>
      </Stack>
    </Card>
  );
}
