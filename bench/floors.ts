import { diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { assessNews2, toFhirBundle } from '../src/app-server/clinical/index.js';
import { defaultRuleSet, label, versions } from '../src/app-server/privacy/index.js';
import { generateKeyPair, openReading, sealReading } from '../src/crypto/hpke.js';
import { sealVersion } from '../src/crypto/versions.js';
import { SealedReadingSchema, type SealedReading } from '../src/protocol/envelope.js';
import { CONFIDENTIALITY } from '../src/protocol/levels.js';
import { ReadingBatchSchema } from '../src/protocol/reading-schema.js';
import type { ReadingBatch } from '../src/protocol/reading.js';
import { tickBatch } from './vitals.js';

/**
 * What the pipeline's own computations cost, measured in the benchmark
 * process on the very code the application server runs (src/crypto,
 * src/app-server/clinical and privacy), one tick at a time: the floors the
 * end-to-end rate can be compared with. No I/O, no database, no CSE.
 */
export interface PipelineFloors {
  /** HPKE auth-mode opens (openReading) per second, one after another. */
  hpkeOpenPerSec: number;
  /** The same with 16 opens in flight (the pipeline runs up to 16 readings at once). */
  hpkeOpenConcurrentPerSec: number;
  /** Raw X25519 key agreements per second (node:crypto): an auth-mode open needs two. */
  x25519PerSec: number;
  /** AES-256-GCM seals per second (sealVersion) of a ~2 KB version body. */
  aesSealPerSec: number;
  /** The same for the real V version of a tick (JSON bytes before sealing in aesSealRealBytes). */
  aesSealRealPerSec: number;
  aesSealRealBytes: number;
  /** Size of each sealed version (its `con`), U to V, and of the sealed reading (bytes). */
  sealedVersionBytes: Record<string, number>;
  sealedReadingBytes: number;
  /** Cost of each stage for one tick (µs of this process's main thread). */
  stageUs: {
    hpkeOpen: number;
    validate: number;
    news2: number;
    fhir: number;
    label: number;
    redact: number;
    sealSix: number;
  };
  /** The sum of stageUs: one tick's computation, HPKE included, I/O excluded. */
  computeUsPerTick: number;
}

/** Calls `fn` for about `ms` (after a warm-up) and returns its rate per second. */
async function rate(ms: number, fn: () => unknown | Promise<unknown>, batch = 1): Promise<number> {
  for (let i = 0; i < Math.max(20, batch); i++) await fn();
  const start = performance.now();
  let n = 0;
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) await fn();
    n += batch;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** µs per call of a synchronous stage. */
function usPer(ms: number, fn: () => unknown): number {
  for (let i = 0; i < 200; i++) fn();
  const start = performance.now();
  let n = 0;
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    now = performance.now();
  }
  return ((now - start) * 1000) / n;
}

export async function measureFloors(): Promise<PipelineFloors> {
  const app = (await generateKeyPair()).pair;
  const device = (await generateKeyPair()).pair;
  const kid = 'app-floor';
  const sealed: SealedReading[] = [];
  for (let seq = 1; seq <= 64; seq++) {
    const { batch } = tickBatch('pt-1', 'gw1', seq, seq % 20 === 10);
    sealed.push(
      await sealReading(
        new TextEncoder().encode(JSON.stringify(batch)),
        { pt: 'pt-1', dev: 'gw1', seq, kid },
        app.publicKey,
        device,
      ),
    );
  }
  let k = 0;
  const open = () => openReading(sealed[k++ % sealed.length]!, app, device.publicKey);
  const hpkeOpenPerSec = await rate(1000, open);
  const concurrent = async () => {
    const start = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() - start < 1000) {
          await open();
          n++;
        }
      }),
    );
    return (n * 1000) / (performance.now() - start);
  };
  const hpkeOpenConcurrentPerSec = await concurrent();

  const a = generateKeyPairSync('x25519');
  const b = generateKeyPairSync('x25519');
  const x25519PerSec = await rate(
    300,
    () => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }),
    50,
  );

  // One typical tick through every stage, as pipeline.ts runs them.
  const con = JSON.stringify(sealed[0]);
  const plaintext = await openReading(sealed[0]!, app, device.publicKey);
  const text = new TextDecoder().decode(plaintext);
  const validate = usPer(200, () => {
    Value.Check(SealedReadingSchema, JSON.parse(con));
    Value.Check(ReadingBatchSchema, JSON.parse(text));
  });
  const batch = JSON.parse(text) as ReadingBatch;
  const news2 = assessNews2(batch.readings, { spo2Scale: 1 });
  const bundle = toFhirBundle(batch, { news2 });
  const rules = defaultRuleSet();
  const labelled = label(bundle, rules);
  const six = versions(labelled);
  const key = new Uint8Array(randomBytes(32));
  const header = (rl: (typeof CONFIDENTIALITY)[number]) => ({
    pt: 'pt-1',
    rl,
    cl: news2.cl,
    epoch: 1,
    src: 'gw1:1',
    at: batch.at,
  });
  const sealedVersionBytes: Record<string, number> = {};
  for (const rl of CONFIDENTIALITY)
    sealedVersionBytes[rl] = JSON.stringify(sealVersion(key, header(rl), six[rl])).length;
  const stageUs = {
    hpkeOpen: 1e6 / hpkeOpenPerSec,
    validate,
    news2: usPer(200, () => assessNews2(batch.readings, { spo2Scale: 1 })),
    fhir: usPer(200, () => toFhirBundle(batch, { news2 })),
    label: usPer(200, () => label(bundle, rules)),
    redact: usPer(200, () => versions(labelled)),
    sealSix: usPer(200, () => {
      for (const rl of CONFIDENTIALITY) JSON.stringify(sealVersion(key, header(rl), six[rl]));
    }),
  };
  const small = { resourceType: 'Bundle', note: 'x'.repeat(2000) };
  const aesSealPerSec = 1e6 / usPer(300, () => sealVersion(key, header('N'), small));
  const aesSealRealPerSec = 1e6 / usPer(300, () => sealVersion(key, header('V'), six.V));
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return {
    hpkeOpenPerSec: Math.round(hpkeOpenPerSec),
    hpkeOpenConcurrentPerSec: Math.round(hpkeOpenConcurrentPerSec),
    x25519PerSec: Math.round(x25519PerSec),
    aesSealPerSec: Math.round(aesSealPerSec),
    aesSealRealPerSec: Math.round(aesSealRealPerSec),
    aesSealRealBytes: JSON.stringify(six.V).length,
    sealedVersionBytes,
    sealedReadingBytes: con.length,
    stageUs: Object.fromEntries(
      Object.entries(stageUs).map(([s, us]) => [s, round1(us)]),
    ) as PipelineFloors['stageUs'],
    computeUsPerTick: Math.round(Object.values(stageUs).reduce((x, y) => x + y, 0)),
  };
}
