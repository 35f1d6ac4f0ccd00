import { useEffect, useRef } from 'react';
import { Text, VisuallyHidden } from '@mantine/core';
import uPlot from 'uplot';
import { Withheld } from '../components/status.js';
import { BAND_FILL, bandsOf, CHARTED, drawnExtent, type ChartedKey } from './bands.js';
import type { SignSeries } from './window.js';

const HEIGHT = 150;

export const SIGN_TEXT: Record<ChartedKey, { label: string; unit: string }> = {
  respiratoryRate: { label: 'Respiratory rate', unit: '/min' },
  spo2: { label: 'SpO₂', unit: '%' },
  systolicBP: { label: 'Systolic blood pressure', unit: 'mmHg' },
  pulse: { label: 'Pulse', unit: '/min' },
  temperature: { label: 'Temperature', unit: '°C' },
};

/**
 * One vital sign over the window, drawn with uPlot on a canvas over the
 * NEWS2 bands of its chart (RCP 2017 Chart 1). A canvas says nothing to a
 * screen reader: the figure's caption and a visually hidden summary carry
 * the latest value, the range and the gaps in words. A sign withheld at the
 * reader's level is not drawn at all.
 */
export function VitalChart(props: { sign: ChartedKey; series: SignSeries }) {
  const { sign, series } = props;
  const { label, unit } = SIGN_TEXT[sign];
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const drawn = series.numeric > 0;

  useEffect(() => {
    const el = box.current;
    if (!drawn || !el) return;
    const u = new uPlot(options(sign, el.clientWidth || 300), [[], []], el);
    plot.current = u;
    // uPlot sizes in pixels: follow the layout's width (a column narrowing, a window resized).
    const ro = new ResizeObserver(() => {
      if (el.clientWidth > 0) u.setSize({ width: el.clientWidth, height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [drawn, sign]);

  useEffect(() => {
    plot.current?.setData([series.xs, series.ys]);
  }, [drawn, series]);

  const values = series.ys.filter((v): v is number => v !== null);
  const latest = series.latest;
  return (
    <figure
      className="vital-chart"
      data-testid={`chart-${sign}`}
      data-points={series.numeric}
      data-withheld={!drawn && series.withheld > 0 ? 'true' : undefined}
    >
      <figcaption>
        <Text fw={600} size="sm">
          {label}{' '}
          <Text span size="xs">
            ({unit})
          </Text>
        </Text>
        <Text size="xs" data-testid="latest">
          {typeof latest === 'number'
            ? `latest ${latest} ${unit} · NEWS2 sub-score ${CHARTED[sign].score(latest)}`
            : latest === null
              ? 'latest: no valid value'
              : '\u00a0'}
        </Text>
      </figcaption>
      {drawn ? (
        <>
          <div ref={box} className="vital-chart-plot" aria-hidden="true" />
          <VisuallyHidden>
            {`${series.numeric} readings in the last 2 hours, from ${Math.min(...values)} to ${Math.max(...values)} ${unit}`}
            {series.invalid > 0 ? `; ${series.invalid} without a valid value (gaps)` : ''}
            {series.withheld > 0 ? `; ${series.withheld} withheld at your level` : ''}.
          </VisuallyHidden>
        </>
      ) : series.withheld > 0 ? (
        <Text size="sm" className="vital-chart-empty">
          <Withheld /> at your level
        </Text>
      ) : (
        <Text size="sm" className="vital-chart-empty">
          {series.invalid > 0
            ? 'no valid value in the last 2 hours'
            : 'not measured in the last 2 hours'}
        </Text>
      )}
    </figure>
  );
}

function options(sign: ChartedKey, width: number): uPlot.Options {
  const def = CHARTED[sign];
  const bands = bandsOf(def);
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: true },
      // The chart's range at least, so the bands stay put; wider if a value falls outside.
      y: {
        range: (_u, lo, hi) => [
          Math.min(def.min, lo ?? def.min) - def.step / 2,
          Math.max(def.max, hi ?? def.max) + def.step / 2,
        ],
      },
    },
    axes: [{ size: 30 }, { size: 44 }],
    series: [
      {},
      // No spanGaps: an artefact or a withheld value breaks the line, it is not a zero.
      { label: SIGN_TEXT[sign].label, stroke: '#1864ab', width: 2, points: { size: 5 } },
    ],
    hooks: {
      drawClear: [
        (u) => {
          const { ctx } = u;
          const { left, top, width: w, height: h } = u.bbox;
          const min = u.scales.y?.min ?? def.min;
          const max = u.scales.y?.max ?? def.max;
          bands.forEach((b, i) => {
            const fill = BAND_FILL[b.score];
            if (!fill) return;
            let [lo, hi] = drawnExtent(b, def);
            // The outermost bands go on beyond the chart's range (a sub-score 3 is 3 to the end).
            if (i === 0) lo = min;
            if (i === bands.length - 1) hi = max;
            const y1 = Math.max(top, u.valToPos(hi, 'y', true));
            const y0 = Math.min(top + h, u.valToPos(lo, 'y', true));
            if (y0 <= y1) return;
            ctx.fillStyle = fill;
            ctx.fillRect(left, y1, w, y0 - y1);
          });
        },
      ],
    },
  };
}
