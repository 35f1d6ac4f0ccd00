import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  rqi: string;
  origin: string;
  body: Record<string, any>;
}

/** An HTTP notification target: records every notification, answers as told. */
export async function startReceiver() {
  const received: Received[] = [];
  let status = 200;
  let refuseVerification = false;
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(data || '{}') as Received['body'];
      const isVrq = body['m2m:sgn']?.vrq === true;
      received.push({
        rqi: String(req.headers['x-m2m-ri']),
        origin: String(req.headers['x-m2m-origin']),
        body,
      });
      const code = isVrq ? (refuseVerification ? 403 : 200) : status;
      res.writeHead(code, { 'X-M2M-RSC': code === 200 ? '2000' : '4103' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return {
    url,
    received,
    /** Notifications other than verification requests. */
    notifications: () => received.filter((r) => r.body['m2m:sgn']?.vrq !== true),
    answer(code: number) {
      status = code;
    },
    refuseVerifications(refuse: boolean) {
      refuseVerification = refuse;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls until `check` holds, for at most `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
