import type { Criticality } from '../../protocol/levels.js';
import type { Finding } from './finding.js';
import type { Reading } from '../../protocol/reading.js';
import type { News2Assessment } from './news2.js';

/**
 * Device faults (issue 5 item 1): a probe off or a signal spoilt tick after
 * tick, a battery running low, a device reporting an error. One probe-off
 * tick is a patient moving; a run of them over a minute means nobody is
 * measuring that patient's SpO2. State (the current run per device) is in
 * memory only.
 */

export interface DeviceFaultOptions {
  /** Consecutive faulty ticks of one device before `device.probe-off`. Default 3. */
  probeOffTicks?: number;
  /** …lasting at least this long. Default 60 s. */
  probeOffMs?: number;
  /** Battery (%) at or below which `device.battery-low` is raised (CL low). Default 15. */
  batteryLow?: number;
  /** …and at or below which its CL is low-medium (the device may stop any minute). Default 5. */
  batteryCritical?: number;
}

interface Run {
  ticks: number;
  since: number;
}

export class DeviceFaultWatch {
  private readonly probeOffTicks: number;
  private readonly probeOffMs: number;
  private readonly batteryLow: number;
  private readonly batteryCritical: number;
  /** pt → device → its current run of faulty ticks. */
  private readonly runs = new Map<string, Map<string, Run>>();

  constructor(o: DeviceFaultOptions = {}) {
    this.probeOffTicks = o.probeOffTicks ?? 3;
    this.probeOffMs = o.probeOffMs ?? 60_000;
    this.batteryLow = o.batteryLow ?? 15;
    this.batteryCritical = o.batteryCritical ?? 5;
  }

  /**
   * Updates the runs with one tick (taken at `at`, ms) and returns the
   * findings about its devices. A device is faulty in a tick when it says
   * probe-off or only sent readings it flagged as artefacts; a clean reading
   * from it ends the run; a device absent from the tick leaves it as it is.
   */
  update(pt: string, readings: readonly Reading[], news2: News2Assessment, at: number): Finding[] {
    const findings = new Map<string, Finding>();
    const statuses = readings.flatMap((r) => (r.metric === 'deviceStatus' ? [r] : []));
    const faulty = new Set<string>();
    const clean = new Set<string>();
    for (const s of statuses) if (s.status === 'probe-off') faulty.add(s.device);
    for (const p of Object.values(news2.parameters)) if (p) clean.add(p.device);
    // Artefacts only count from a device that sent nothing usable this tick.
    for (const e of news2.excluded)
      if (e.reason === 'artefact' && !clean.has(e.device)) faulty.add(e.device);
    let runs = this.runs.get(pt);
    if (!runs) this.runs.set(pt, (runs = new Map()));
    for (const dev of clean) if (!faulty.has(dev)) runs.delete(dev);
    for (const dev of faulty) {
      const run = runs.get(dev) ?? { ticks: 0, since: at };
      run.ticks++;
      runs.set(dev, run);
      if (run.ticks >= this.probeOffTicks && at - run.since >= this.probeOffMs)
        findings.set(`probe-off:${dev}`, {
          rule: 'device.probe-off',
          cl: 'low-medium',
          subject: dev,
          text: `${dev}: probe off or signal unusable for ${Math.floor((at - run.since) / 1000)} s; nothing it measures is being monitored.`,
        });
    }
    for (const s of statuses) {
      if (s.status === 'error')
        findings.set(`error:${s.device}`, {
          rule: 'device.error',
          cl: 'low-medium',
          subject: s.device,
          text: `${s.device} reports an error.`,
        });
      const level = s.battery;
      if (s.status === 'low-battery' || (level !== undefined && level <= this.batteryLow)) {
        const cl: Criticality =
          level !== undefined && level <= this.batteryCritical ? 'low-medium' : 'low';
        findings.set(`battery:${s.device}`, {
          rule: 'device.battery-low',
          cl,
          subject: s.device,
          text: `${s.device}: battery low${level === undefined ? '' : ` (${level} %)`}.`,
        });
      }
    }
    return [...findings.values()];
  }

  forget(pt: string): void {
    this.runs.delete(pt);
  }
}
