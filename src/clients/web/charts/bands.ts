import {
  scorePulse,
  scoreRespiratoryRate,
  scoreSpo2Scale1,
  scoreSystolicBP,
  scoreTemperature,
  type SubScore,
} from '../../../protocol/news2-chart.js';

/**
 * The NEWS2 bands drawn behind a vital sign's line (RCP 2017, Chart 1),
 * derived from the chart's own scoring functions (src/protocol/news2-chart.ts,
 * the ones the application server scores with) rather than copied: every
 * value the chart can record (whole numbers, tenths for temperature) between
 * the axis limits is scored, and runs of one sub-score become one band. A
 * change to the chart changes the drawing with it.
 */
export interface Band {
  /** Lowest and highest charted values of the band, inclusive (as the chart prints them). */
  lo: number;
  hi: number;
  score: SubScore;
}

export interface ChartedSign {
  /** Axis limits: the range the chart is drawn over (values outside still widen the axis). */
  min: number;
  max: number;
  /** The chart's recording step: 1, or 0.1 for temperature (news2-chart.ts `charted`). */
  step: 1 | 0.1;
  score: (v: number) => SubScore;
}

/** The five charted signs. SpO2 on scale 1: the browser does not know a patient's prescribed scale. */
export const CHARTED = {
  respiratoryRate: { min: 4, max: 36, step: 1, score: scoreRespiratoryRate },
  spo2: { min: 80, max: 100, step: 1, score: scoreSpo2Scale1 },
  systolicBP: { min: 60, max: 240, step: 1, score: scoreSystolicBP },
  pulse: { min: 30, max: 160, step: 1, score: scorePulse },
  temperature: { min: 34, max: 41, step: 0.1, score: scoreTemperature },
} satisfies Record<string, ChartedSign>;

export type ChartedKey = keyof typeof CHARTED;

export function bandsOf(sign: ChartedSign): Band[] {
  // Integer steps (tenths counted as integers) so 36.1 is not 36.099999.
  const scale = sign.step === 1 ? 1 : 10;
  const from = Math.round(sign.min * scale);
  const to = Math.round(sign.max * scale);
  const bands: Band[] = [];
  for (let i = from; i <= to; i++) {
    const v = i / scale;
    const score = sign.score(v);
    const last = bands.at(-1);
    if (last && last.score === score) last.hi = v;
    else bands.push({ lo: v, hi: v, score });
  }
  return bands;
}

/**
 * A band's extent on the drawn axis: half a step beyond its charted limits on
 * each side, so neighbouring bands meet where the chart rounds from one to the
 * other (20.4 is charted 20, 20.5 is 21).
 */
export function drawnExtent(band: Band, sign: ChartedSign): [number, number] {
  const half = sign.step / 2;
  return [Math.max(sign.min - half, band.lo - half), Math.min(sign.max + half, band.hi + half)];
}

/**
 * Shading per sub-score: one hue, darker for a higher score, so the bands
 * read without colour vision too (WCAG 2.2 SC 1.4.1); 0 is left blank, as on
 * the RCP chart.
 */
export const BAND_FILL: Record<SubScore, string | undefined> = {
  0: undefined,
  1: 'rgba(250, 176, 5, 0.18)',
  2: 'rgba(240, 120, 0, 0.28)',
  3: 'rgba(224, 49, 49, 0.34)',
};
