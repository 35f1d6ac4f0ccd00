import type { Criticality } from '../../protocol/levels.js';
import type { Reading } from '../../protocol/reading.js';
import type { Finding } from './finding.js';
import type { News2Assessment } from './news2.js';

/**
 * Device faults (issue 5 item 1): a probe off or a signal spoilt tick after
 * tick, a battery running low, a device reporting an error. One probe-off
 * tick is a patient moving; a run of them over a minute means nobody is
 * measuring what that device measures. The state (the current run, the
 * last battery level and status of each device) is in memory only, and the
 * findings are derived from it, so a device that skips a tick neither
 * raises nor clears anything.
 */

/** The device-fault rules: all are evaluated at every tick (the alert lifecycle's hysteresis). */
export const DEVICE_RULES = ['device.probe-off', 'device.battery-low', 'device.error'] as const;

export interface DeviceFaultOptions {
  /** Consecutive faulty ticks of one device before `device.probe-off`. Default 3. */
  probeOffTicks?: number;
  /** …from the first to the latest at least this long. Default 60 s. */
  probeOffMs?: number;
  /** Battery (%) at or below which `device.battery-low` is raised (CL low). Default 15. */
  batteryLow?: number;
  /** …and at or below which its CL is low-medium (the device may stop any minute). Default 5. */
  batteryCritical?: number;
}

interface DeviceState {
  /** The current run of faulty ticks: how many, first and latest time (ms). */
  run?: { ticks: number; since: number; last: number };
  /** What its latest status reading said. */
  status?: { low: boolean; level: number | undefined; error: boolean };
}

export class DeviceFaultWatch {
  private readonly probeOffTicks: number;
  private readonly probeOffMs: number;
  private readonly batteryLow: number;
  private readonly batteryCritical: number;
  /** pt → device → its state. */
  private readonly devices = new Map<string, Map<string, DeviceState>>();

  constructor(o: DeviceFaultOptions = {}) {
    this.probeOffTicks = o.probeOffTicks ?? 3;
    this.probeOffMs = o.probeOffMs ?? 60_000;
    this.batteryLow = o.batteryLow ?? 15;
    this.batteryCritical = o.batteryCritical ?? 5;
  }

  /**
   * Updates the state with one tick taken at `at` (ms). A device is faulty
   * in a tick when it says probe-off or sent only values it flagged as
   * artefacts; a usable value from it ends its run; a device absent from the
   * tick keeps its state. Battery level and error come from its latest
   * status reading, whatever the status says.
   */
  update(pt: string, readings: readonly Reading[], news2: News2Assessment, at: number): void {
    let devices = this.devices.get(pt);
    if (!devices) this.devices.set(pt, (devices = new Map()));
    const state = (dev: string) => {
      let s = devices.get(dev);
      if (!s) devices.set(dev, (s = {}));
      return s;
    };
    const statuses = readings.flatMap((r) => (r.metric === 'deviceStatus' ? [r] : []));
    const faulty = new Set<string>();
    const clean = new Set<string>();
    for (const s of statuses) if (s.status === 'probe-off') faulty.add(s.device);
    for (const p of Object.values(news2.parameters)) if (p) clean.add(p.device);
    // Artefacts only count from a device that sent nothing usable this tick.
    for (const e of news2.excluded)
      if (e.reason === 'artefact' && !clean.has(e.device)) faulty.add(e.device);
    for (const dev of clean) if (!faulty.has(dev)) delete state(dev).run;
    for (const dev of faulty) {
      const s = state(dev);
      s.run = s.run
        ? { ticks: s.run.ticks + 1, since: s.run.since, last: Math.max(at, s.run.last) }
        : { ticks: 1, since: at, last: at };
    }
    for (const r of statuses) {
      const level = r.battery;
      state(r.device).status = {
        low: r.status === 'low-battery' || (level !== undefined && level <= this.batteryLow),
        level,
        error: r.status === 'error',
      };
    }
  }

  /** The findings the current state of `pt`'s devices warrants. */
  findings(pt: string): Finding[] {
    const out: Finding[] = [];
    for (const [dev, s] of this.devices.get(pt) ?? []) {
      const run = s.run;
      if (run && run.ticks >= this.probeOffTicks && run.last - run.since >= this.probeOffMs)
        out.push({
          rule: 'device.probe-off',
          cl: 'low-medium',
          subject: dev,
          text: `${dev}: probe off or signal unusable for ${Math.floor((run.last - run.since) / 1000)} s; nothing it measures is being monitored.`,
        });
      if (s.status?.error)
        out.push({
          rule: 'device.error',
          cl: 'low-medium',
          subject: dev,
          text: `${dev} reports an error.`,
        });
      if (s.status?.low) {
        const level = s.status.level;
        const cl: Criticality =
          level !== undefined && level <= this.batteryCritical ? 'low-medium' : 'low';
        out.push({
          rule: 'device.battery-low',
          cl,
          subject: dev,
          text: `${dev}: battery low${level === undefined ? '' : ` (${level} %)`}.`,
        });
      }
    }
    return out;
  }

  forget(pt: string): void {
    this.devices.delete(pt);
  }
}
