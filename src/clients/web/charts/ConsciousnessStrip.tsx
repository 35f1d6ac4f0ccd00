import { Text } from '@mantine/core';
import type { Acvpu } from '../../../protocol/reading.js';
import { scoreConsciousness } from '../../../protocol/news2-chart.js';
import { Withheld } from '../components/status.js';
import type { ConsciousnessRun } from './window.js';

const ACVPU_TEXT: Record<Acvpu, string> = {
  A: 'Alert',
  C: 'New confusion',
  V: 'Responds to voice',
  P: 'Responds to pain',
  U: 'Unresponsive',
};
/** The strip shows the latest changes; older ones are summed up in a count. */
const SHOWN = 6;

const hhmm = (t: number) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Consciousness (ACVPU) has no line to draw: a strip of its levels over the
 * window, in words, anything but Alert marked as the chart scores it (3).
 */
export function ConsciousnessStrip(props: { runs: ConsciousnessRun[] }) {
  const { runs } = props;
  const values = runs.filter(
    (r): r is ConsciousnessRun & { value: Acvpu | null } => r.value !== 'withheld',
  );
  return (
    <figure className="vital-chart" data-testid="chart-consciousness">
      <figcaption>
        <Text fw={600} size="sm">
          Consciousness{' '}
          <Text span size="xs">
            (ACVPU)
          </Text>
        </Text>
      </figcaption>
      {runs.length === 0 ? (
        <Text size="sm" className="vital-chart-empty">
          not assessed in the last 2 hours
        </Text>
      ) : values.length === 0 ? (
        <Text size="sm" className="vital-chart-empty">
          <Withheld /> at your level
        </Text>
      ) : (
        <>
          {values.length > SHOWN ? (
            <Text size="xs">{values.length - SHOWN} earlier changes not shown</Text>
          ) : null}
          <ol className="consciousness-strip">
            {values.slice(-SHOWN).map((r) => (
              <li
                key={r.from}
                data-acvpu={r.value ?? 'none'}
                className={r.value && scoreConsciousness(r.value) === 3 ? 'acvpu-alarm' : undefined}
              >
                <Text span size="xs">
                  {r.from === r.to ? hhmm(r.from) : `${hhmm(r.from)}–${hhmm(r.to)}`}
                </Text>{' '}
                <Text span size="sm" fw={r.value && r.value !== 'A' ? 700 : 400}>
                  {r.value === null
                    ? 'no valid value'
                    : r.value === 'A'
                      ? ACVPU_TEXT.A
                      : `▲ ${ACVPU_TEXT[r.value]} (NEWS2 3)`}
                </Text>
              </li>
            ))}
          </ol>
        </>
      )}
    </figure>
  );
}
