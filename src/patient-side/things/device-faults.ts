import type { SeededNoise } from './random.js';

/** How often things go wrong with the devices. */
export interface FaultOptions {
  /** Chance, per simulated hour, that the oximeter probe falls off for a few minutes. */
  probeOffPerHour?: number;
  /** Chance that one noise period of a device's signal is spoilt by movement. */
  motionRate?: number;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Device artefacts, as pure functions of simulated time drawn from the
 * patient's seeded noise: a probe that falls off now and then, movement
 * that spoils a measurement, and batteries that drain and get replaced.
 */
export class DeviceFaults {
  private readonly probeOffPerHour: number;
  private readonly motionRate: number;

  constructor(
    private readonly noise: SeededNoise,
    private readonly epoch: number,
    private readonly noisePeriodMs: number,
    opts: FaultOptions | false = {},
  ) {
    this.probeOffPerHour = opts === false ? 0 : (opts.probeOffPerHour ?? 0.15);
    this.motionRate = opts === false ? 0 : (opts.motionRate ?? 0.02);
  }

  /** Whether the oximeter probe is off at t: in some hours, one gap of 1-8 minutes. */
  probeOff(t: number): boolean {
    const hour = Math.floor(t / HOUR_MS);
    if (this.noise.uniform('probe-off', 3 * hour) >= this.probeOffPerHour) return false;
    const length = (1 + 7 * this.noise.uniform('probe-off', 3 * hour + 1)) * MINUTE_MS;
    const start =
      hour * HOUR_MS + this.noise.uniform('probe-off', 3 * hour + 2) * (HOUR_MS - length);
    return t >= start && t < start + length;
  }

  /**
   * Movement during a device's noise period at t: undefined when still, else
   * a disturbance in [-1, 1) the device scales to its own signal.
   */
  motion(device: string, t: number): number | undefined {
    const i = Math.floor(t / this.noisePeriodMs);
    if (this.noise.uniform(`motion:${device}`, 2 * i) >= this.motionRate) return undefined;
    return 2 * this.noise.uniform(`motion:${device}`, 2 * i + 1) - 1;
  }

  /**
   * Battery level (%) at t: drains from 100 to 5 over `drainMs`, then a carer
   * swaps it; each device starts at its own point of the cycle.
   */
  battery(device: string, drainMs: number, t: number): number {
    const phase = this.noise.uniform(`battery:${device}`, 0);
    const cycle = (t - this.epoch) / drainMs + phase;
    return Math.round(100 - 95 * (cycle - Math.floor(cycle)));
  }
}
