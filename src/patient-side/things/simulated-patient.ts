import type { Acvpu } from '../../protocol/reading.js';
import { DeviceFaults, type FaultOptions } from './device-faults.js';
import type {
  Assessment,
  BloodPressure,
  DeviceName,
  DeviceState,
  Measurement,
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
};
const LOW_BATTERY_PERCENT = 15;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));

/**
 * A patient as the devices see them: the physiology measured through each
 * device, with that device's artefacts. This is what the Things serve.
 */
export class SimulatedPatient {
  readonly physiology: Physiology;
  readonly faults: DeviceFaults;
  private readonly bpIntervalMs: number;
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
