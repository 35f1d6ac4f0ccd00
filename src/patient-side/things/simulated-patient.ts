import type { Acvpu } from '../../protocol/reading.js';
import { DeviceFaults, type FaultOptions } from './device-faults.js';
import type {
  Assessment,
  BloodPressure,
  DeviceName,
  DeviceState,
  Interval,
  Measurement,
  Rate,
} from './device-schemas.js';
import { Physiology, type PhysiologyOptions } from './physiology.js';

export interface SimulationOptions extends PhysiologyOptions {
  /** Artefacts (probe off, motion); `false` for clean signals, e.g. in tests of the physiology. */
  faults?: FaultOptions | false;
  /** Simulated ms between the blood-pressure monitor's automatic measurements. */
  bpIntervalMs?: number;
}

const HOUR_MS = 3_600_000;
/** How long a full battery lasts in each device (simulated time). */
const DRAIN_MS: Record<DeviceName, number> = {
  oximeter: 20 * HOUR_MS,
  thermometer: 72 * HOUR_MS,
  'bp-monitor': 48 * HOUR_MS,
  respiration: 30 * HOUR_MS,
  consciousness: 16 * HOUR_MS,
  'infusion-pump': 24 * HOUR_MS,
};
/** Minutes between measurements of each sensor until a changeInterval command says otherwise. */
const DEFAULT_INTERVAL_MINUTES = 15;
const LOW_BATTERY_PERCENT = 15;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));

/**
 * A patient as the devices see them: the physiology measured through each
 * device, with that device's artefacts. This is what the Things serve.
 */
export class SimulatedPatient {
  readonly physiology: Physiology;
  readonly faults: DeviceFaults;
  private bpIntervalMs: number;
  /** Measurement intervals set by changeInterval (the bp-monitor's drives its cuff schedule). */
  private readonly intervals = new Map<DeviceName, number>();
  /** The infusion pump: stopped until a confirmed dose change sets a rate. */
  private infusion: { rate: number; since: number };
  private manualBp: { sim: number; value: BloodPressure } | undefined;
  /** The last ACVPU assessment, and the simulated state it was made in. */
  private assessed: { value: Acvpu; state: Acvpu; at: number };

  constructor(opts: SimulationOptions) {
    this.physiology = new Physiology(opts);
    const p = this.physiology;
    this.faults = new DeviceFaults(p.noise, p.epoch, p.noisePeriodMs, opts.faults);
    this.bpIntervalMs = opts.bpIntervalMs ?? 30 * 60_000;
    const state = p.truth(p.epoch).acvpu;
    this.assessed = { value: state, state, at: p.epoch };
    this.infusion = { rate: 0, since: p.wallTimeOf(p.epoch) };
  }

  get patient(): string {
    return this.physiology.patient;
  }

  private at(sim: number): string {
    return new Date(this.physiology.wallTimeOf(sim)).toISOString();
  }

  spo2(): Measurement {
    const t = this.physiology.simNow();
    if (this.faults.probeOff(t)) return { at: this.at(t) };
    const m = this.physiology.measure(t).spo2;
    const d = this.faults.motion('oximeter', t);
    // Movement makes an oximeter under-read: a falsely low value, flagged.
    if (d === undefined) return { value: m, at: this.at(t) };
    return { value: clamp(m - 3 - 5 * Math.abs(d), 0, 100), at: this.at(t), artefact: true };
  }

  /** The oximeter's pulse: gone with the probe, disturbed by the same movement as SpO2. */
  pulse(): Measurement {
    const t = this.physiology.simNow();
    if (this.faults.probeOff(t)) return { at: this.at(t) };
    const m = this.physiology.measure(t).pulse;
    const d = this.faults.motion('oximeter', t);
    if (d === undefined) return { value: m, at: this.at(t) };
    return { value: clamp(m + 25 * d, 0, 400), at: this.at(t), artefact: true };
  }

  temperature(): Measurement {
    const t = this.physiology.simNow();
    return { value: this.physiology.measure(t).temperature, at: this.at(t) };
  }

  respiratoryRate(): Measurement {
    const t = this.physiology.simNow();
    const m = this.physiology.measure(t).respiratoryRate;
    const d = this.faults.motion('respiration', t);
    if (d === undefined) return { value: m, at: this.at(t) };
    return { value: clamp(m + 6 * d, 0, 120), at: this.at(t), artefact: true };
  }

  /** The latest cuff measurement: the last scheduled one, or a later one taken on demand. */
  bloodPressure(): BloodPressure {
    const p = this.physiology;
    const t = p.simNow();
    const scheduled = Math.max(p.epoch, Math.floor(t / this.bpIntervalMs) * this.bpIntervalMs);
    if (this.manualBp && this.manualBp.sim >= scheduled) return this.manualBp.value;
    return this.cuff(scheduled);
  }

  /** Takes a measurement now (the measureNow action). */
  measureBloodPressure(): BloodPressure {
    const t = this.physiology.simNow();
    const value = this.cuff(t);
    this.manualBp = { sim: t, value };
    return value;
  }

  private cuff(t: number): BloodPressure {
    const m = this.physiology.measure(t);
    const d = this.faults.motion('bp-monitor', t);
    if (d === undefined) return { systolic: m.systolic, diastolic: m.diastolic, at: this.at(t) };
    return {
      systolic: clamp(m.systolic + 20 * d, 0, 350),
      diastolic: clamp(m.diastolic + 12 * d, 0, 300),
      at: this.at(t),
      artefact: true,
    };
  }

  /**
   * The latest ACVPU assessment. A carer's entry stands until the simulated
   * patient's own state changes; then the device shows the new state, as if
   * a simulated carer had assessed again.
   */
  consciousness(): Assessment {
    const t = this.physiology.simNow();
    const state = this.physiology.truth(t).acvpu;
    if (state !== this.assessed.state)
      this.assessed = { value: state, state, at: this.physiology.wallTimeOf(t) };
    return { value: this.assessed.value, at: new Date(this.assessed.at).toISOString() };
  }

  /** A carer's assessment (the writable acvpu property). */
  assessConsciousness(value: Acvpu): Assessment {
    const t = this.physiology.simNow();
    const state = this.physiology.truth(t).acvpu;
    this.assessed = { value, state, at: this.physiology.wallTimeOf(t) };
    return this.consciousness();
  }

  /** Every how many minutes `device` measures. */
  interval(device: DeviceName): Interval {
    if (device === 'bp-monitor')
      return { minutes: Math.max(1, Math.round(this.bpIntervalMs / 60_000)) };
    return { minutes: this.intervals.get(device) ?? DEFAULT_INTERVAL_MINUTES };
  }

  /** The changeInterval command; the schema bounded `minutes` already. */
  setInterval(device: DeviceName, minutes: number): Interval {
    if (device === 'bp-monitor') this.bpIntervalMs = minutes * 60_000;
    else this.intervals.set(device, minutes);
    return this.interval(device);
  }

  /** The infusion pump's current rate. */
  rate(): Rate {
    return { value: this.infusion.rate, since: new Date(this.infusion.since).toISOString() };
  }

  /** The setRate action (a confirmed changeDose); the schema bounded `rate` already. */
  setRate(rate: number): Rate {
    const p = this.physiology;
    this.infusion = { rate, since: p.wallTimeOf(p.simNow()) };
    return this.rate();
  }

  status(device: DeviceName): DeviceState {
    const t = this.physiology.simNow();
    const battery = this.faults.battery(device, DRAIN_MS[device], t);
    const off = device === 'oximeter' && this.faults.probeOff(t);
    const state = off ? 'probe-off' : battery < LOW_BATTERY_PERCENT ? 'low-battery' : 'ok';
    return {
      state,
      battery,
      ...(device === 'oximeter'
        ? { probe: off ? ('detached' as const) : ('attached' as const) }
        : {}),
    };
  }
}
