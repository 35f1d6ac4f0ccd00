import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TutelaError } from '../../../core/errors.js';
import { compileContexts, validateContext, type AccessControlContext } from './context.js';

const at = (iso: string) => new Date(iso);
const IP = '192.0.2.10';

function allows(acco: AccessControlContext[], iso: string, ip = IP): boolean {
  expect(validateContext(acco)).toBeUndefined();
  return compileContexts(acco)({ now: at(iso), ip });
}

describe('compileContexts: time windows (actw)', () => {
  it('matches office hours at the boundaries, in UTC', () => {
    const acco = [{ actw: ['* * 9-16 * * 1-5 *'] }]; // Mon-Fri 09:00:00-16:59:59
    expect(allows(acco, '2026-03-02T09:00:00Z')).toBe(true); // Monday
    expect(allows(acco, '2026-03-02T16:59:59Z')).toBe(true);
    expect(allows(acco, '2026-03-02T08:59:59Z')).toBe(false);
    expect(allows(acco, '2026-03-02T17:00:00Z')).toBe(false);
    expect(allows(acco, '2026-03-01T12:00:00Z')).toBe(false); // Sunday
    expect(allows(acco, '2026-03-02T12:00:00+05:00')).toBe(false); // 07:00Z
  });

  it('evaluates in UTC whatever the offset in the input', () => {
    const acco = [{ actw: ['* * 9 * * * *'] }];
    expect(allows(acco, '2026-03-02T10:30:00+01:00')).toBe(true); // 09:30Z
    expect(allows(acco, '2026-03-02T09:30:00+01:00')).toBe(false); // 08:30Z
  });

  it('supports steps, ranges with steps and lists', () => {
    const every15 = [{ actw: ['*/15 * * * * * *'] }];
    expect(allows(every15, '2026-01-01T00:00:00Z')).toBe(true);
    expect(allows(every15, '2026-01-01T00:00:45Z')).toBe(true);
    expect(allows(every15, '2026-01-01T00:00:44Z')).toBe(false);
    const ranged = [{ actw: ['* 10-20/5 * * * * *'] }];
    expect(allows(ranged, '2026-01-01T00:10:00Z')).toBe(true);
    expect(allows(ranged, '2026-01-01T00:20:00Z')).toBe(true);
    expect(allows(ranged, '2026-01-01T00:25:00Z')).toBe(false);
    expect(allows(ranged, '2026-01-01T00:00:00Z')).toBe(false);
    const list = [{ actw: ['* * 1,3,20-21 * * * *'] }];
    expect(allows(list, '2026-01-01T03:00:00Z')).toBe(true);
    expect(allows(list, '2026-01-01T21:00:00Z')).toBe(true);
    expect(allows(list, '2026-01-01T02:00:00Z')).toBe(false);
  });

  it('uses the year, month and day-of-month fields', () => {
    const acco = [{ actw: ['* * * 1 1 * 2026-2027'] }];
    expect(allows(acco, '2026-01-01T12:00:00Z')).toBe(true);
    expect(allows(acco, '2027-01-01T12:00:00Z')).toBe(true);
    expect(allows(acco, '2028-01-01T12:00:00Z')).toBe(false);
    expect(allows(acco, '2026-01-02T12:00:00Z')).toBe(false);
    expect(allows(acco, '2026-02-01T12:00:00Z')).toBe(false);
  });

  it('requires both day-of-month and day-of-week when both are restricted', () => {
    const friday13 = [{ actw: ['* * * 13 * 5 *'] }];
    expect(allows(friday13, '2026-02-13T00:00:00Z')).toBe(true); // Friday the 13th
    expect(allows(friday13, '2026-01-13T00:00:00Z')).toBe(false); // a Tuesday
    expect(allows(friday13, '2026-02-20T00:00:00Z')).toBe(false); // a Friday, not the 13th
  });

  it('matches when any window of the list matches', () => {
    const acco = [{ actw: ['* * 8 * * * *', '* * 20 * * * *'] }];
    expect(allows(acco, '2026-01-01T08:30:00Z')).toBe(true);
    expect(allows(acco, '2026-01-01T20:30:00Z')).toBe(true);
    expect(allows(acco, '2026-01-01T12:00:00Z')).toBe(false);
  });
});

describe('compileContexts: IP addresses (acip)', () => {
  const acco = [{ acip: { ipv4: ['10.0.0.0/8', '192.0.2.10'], ipv6: ['2001:db8::/32', '::1'] } }];
  const now = '2026-01-01T00:00:00Z';

  it('matches plain addresses and CIDR blocks of both families', () => {
    expect(allows(acco, now, '10.255.0.1')).toBe(true);
    expect(allows(acco, now, '192.0.2.10')).toBe(true);
    expect(allows(acco, now, '192.0.2.11')).toBe(false);
    expect(allows(acco, now, '11.0.0.1')).toBe(false);
    expect(allows(acco, now, '2001:db8:ffff::1')).toBe(true);
    expect(allows(acco, now, '2001:db9::1')).toBe(false);
    expect(allows(acco, now, '::1')).toBe(true);
    expect(allows(acco, now, '127.0.0.1')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 request addresses against IPv4 rules', () => {
    expect(allows(acco, now, '::ffff:10.1.2.3')).toBe(true);
    expect(allows(acco, now, '::ffff:192.0.2.10')).toBe(true);
    expect(allows(acco, now, '::ffff:a01:203')).toBe(true); // hex form of 10.1.2.3
    expect(allows(acco, now, '::ffff:11.0.0.1')).toBe(false);
    const loopback = [{ acip: { ipv4: ['127.0.0.1'] } }];
    expect(allows(loopback, now, '::ffff:127.0.0.1')).toBe(true);
  });

  it('ignores a zone index on the request address and refuses garbage', () => {
    const linkLocal = [{ acip: { ipv6: ['fe80::/10'] } }];
    expect(allows(linkLocal, now, 'fe80::1%eth0')).toBe(true);
    expect(allows(acco, now, 'not-an-ip')).toBe(false);
    expect(allows(acco, now, '')).toBe(false);
  });
});

describe('compileContexts: combining', () => {
  const office = '* * 9-16 * * * *';

  it('requires all conditions of an entry (AND)', () => {
    const acco = [{ actw: [office], acip: { ipv4: ['10.0.0.0/8'] } }];
    expect(allows(acco, '2026-01-01T10:00:00Z', '10.0.0.1')).toBe(true);
    expect(allows(acco, '2026-01-01T20:00:00Z', '10.0.0.1')).toBe(false);
    expect(allows(acco, '2026-01-01T10:00:00Z', '11.0.0.1')).toBe(false);
  });

  it('accepts any entry of the list (OR)', () => {
    const acco = [{ actw: [office] }, { acip: { ipv4: ['10.0.0.0/8'] } }];
    expect(allows(acco, '2026-01-01T10:00:00Z', '11.0.0.1')).toBe(true);
    expect(allows(acco, '2026-01-01T20:00:00Z', '10.0.0.1')).toBe(true);
    expect(allows(acco, '2026-01-01T20:00:00Z', '11.0.0.1')).toBe(false);
  });

  it('places no restriction for an empty list or an entry without conditions', () => {
    expect(allows([], '2026-01-01T20:00:00Z', 'whatever')).toBe(true);
    expect(allows([{}], '2026-01-01T20:00:00Z', '11.0.0.1')).toBe(true);
  });

  it('throws a 4000 TutelaError when given an invalid context', () => {
    const compile = () => compileContexts([{ aclr: {} }]);
    expect(compile).toThrow(TutelaError);
    expect(compile).toThrow(expect.objectContaining({ rsc: 4000 }));
  });
});

describe('validateContext', () => {
  const cases: [unknown, string][] = [
    ['nope', 'acco: must be a list of accessControlContexts, got string'],
    [[null], 'acco[0]: must be an object, got null'],
    [
      [{ aclr: { locr: 1 } }],
      'acco[0].aclr: accessControlLocationRegion is not supported by this CSE',
    ],
    [
      [{ actw: ['* * * * * * *'], foo: 1 }],
      'acco[0]: unknown attribute "foo" (expected actw, acip)',
    ],
    [[{ actw: '* * * * * * *' }], 'acco[0].actw: must be a list of schedule entries, got string'],
    [[{ actw: [] }], 'acco[0].actw: must list at least one schedule entry'],
    [[{ actw: [5] }], 'acco[0].actw[0]: must be a string, got number'],
    [
      [{ actw: ['* * * * * *'] }],
      'acco[0].actw[0]: "* * * * * *" has 6 field(s), expected 7 (second minute hour dayOfMonth month dayOfWeek year)',
    ],
    [
      [{ actw: ['* * * * * * *', '61 * * * * * *'] }],
      'acco[0].actw[1]: "61 * * * * * *" has second 61 out of range 0-59',
    ],
    [
      [{ actw: ['* 60 * * * * *'] }],
      'acco[0].actw[0]: "* 60 * * * * *" has minute 60 out of range 0-59',
    ],
    [
      [{ actw: ['* * 24 * * * *'] }],
      'acco[0].actw[0]: "* * 24 * * * *" has hour 24 out of range 0-23',
    ],
    [
      [{ actw: ['* * * 0 * * *'] }],
      'acco[0].actw[0]: "* * * 0 * * *" has dayOfMonth 0 out of range 1-31',
    ],
    [
      [{ actw: ['* * * * 13 * *'] }],
      'acco[0].actw[0]: "* * * * 13 * *" has month 13 out of range 1-12',
    ],
    [
      [{ actw: ['* * * * * 7 *'] }],
      'acco[0].actw[0]: "* * * * * 7 *" has dayOfWeek 7 out of range 0-6',
    ],
    [
      [{ actw: ['* * * * * * 1969'] }],
      'acco[0].actw[0]: "* * * * * * 1969" has year 1969 out of range 1970-9999',
    ],
    [
      [{ actw: ['* * 9-5 * * * *'] }],
      'acco[0].actw[0]: "* * 9-5 * * * *" has hour range 9-5 whose start is after its end',
    ],
    [
      [{ actw: ['*/0 * * * * * *'] }],
      'acco[0].actw[0]: "*/0 * * * * * *" has second step 0, must be at least 1',
    ],
    [
      [{ actw: ['5/2 * * * * * *'] }],
      'acco[0].actw[0]: "5/2 * * * * * *" has second step "5/2": a step needs * or a range before it',
    ],
    [
      [{ actw: ['* * * * * MON *'] }],
      'acco[0].actw[0]: "* * * * * MON *" has dayOfWeek "MON" that is not a number, range, step or list',
    ],
    [
      [{ actw: ['1,,2 * * * * * *'] }],
      'acco[0].actw[0]: "1,,2 * * * * * *" has second "" that is not a number, range, step or list',
    ],
    [[{ acip: [] }], 'acco[0].acip: must be an object with ipv4 and/or ipv6, got a list'],
    [[{ acip: {} }], 'acco[0].acip: must list at least one ipv4 or ipv6 address'],
    [[{ acip: { ipv5: [] } }], 'acco[0].acip: unknown attribute "ipv5" (expected ipv4, ipv6)'],
    [
      [{ acip: { ipv4: '10.0.0.1' } }],
      'acco[0].acip.ipv4: must be a list of addresses, got string',
    ],
    [
      [{ acip: { ipv4: ['10.0.0.256'] } }],
      'acco[0].acip.ipv4[0]: "10.0.0.256" is not an IPv4 address or CIDR block',
    ],
    [
      [{ acip: { ipv4: ['::1'] } }],
      'acco[0].acip.ipv4[0]: "::1" is not an IPv4 address or CIDR block',
    ],
    [
      [{ acip: { ipv6: ['10.0.0.1'] } }],
      'acco[0].acip.ipv6[0]: "10.0.0.1" is not an IPv6 address or CIDR block',
    ],
    [
      [{ acip: { ipv6: ['fe80::1%eth0'] } }],
      'acco[0].acip.ipv6[0]: "fe80::1%eth0" is not an IPv6 address or CIDR block',
    ],
    [
      [{ acip: { ipv4: ['10.0.0.0/33'] } }],
      'acco[0].acip.ipv4[0]: "10.0.0.0/33" has prefix length "33", expected 0-32',
    ],
    [
      [{ acip: { ipv4: ['10.0.0.0/'] } }],
      'acco[0].acip.ipv4[0]: "10.0.0.0/" has prefix length "", expected 0-32',
    ],
    [
      [{ acip: { ipv6: ['2001:db8::/129'] } }],
      'acco[0].acip.ipv6[0]: "2001:db8::/129" has prefix length "129", expected 0-128',
    ],
    [
      [{ acip: { ipv4: ['10.0.0.0/8/8'] } }],
      'acco[0].acip.ipv4[0]: "10.0.0.0/8/8" is not an IPv4 address or CIDR block',
    ],
    [[{}, { acip: { ipv4: [1] } }], 'acco[1].acip.ipv4[0]: must be a string, got number'],
  ];

  it.each(cases)('rejects %j', (acco, message) => {
    expect(validateContext(acco)).toBe(message);
  });

  it('accepts valid contexts', () => {
    expect(validateContext([])).toBeUndefined();
    expect(
      validateContext([
        { actw: ['0 0-30/10 9-16 1-31 1-12 1-5 2026', '  */5   *  * * * 0,6 * '] },
        { acip: { ipv4: ['0.0.0.0/0', '10.1.2.3/8'], ipv6: ['::/0', '::ffff:10.0.0.1'] } },
      ]),
    ).toBeUndefined();
  });
});

describe('properties', () => {
  it('`s m h * * * *` matches exactly the dates with that UTC second, minute and hour', () => {
    const date = fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        date,
        fc.boolean(),
        (s, m, h, d, exact) => {
          // Half the time, move the date onto the schedule so matches are exercised too.
          const now = new Date(d);
          if (exact) now.setUTCHours(h, m, s);
          const acco = [{ actw: [`${s} ${m} ${h} * * * *`] }];
          expect(validateContext(acco)).toBeUndefined();
          const expected =
            now.getUTCSeconds() === s && now.getUTCMinutes() === m && now.getUTCHours() === h;
          return compileContexts(acco)({ now, ip: IP }) === expected;
        },
      ),
    );
  });

  it('a CIDR block matches exactly the addresses sharing its prefix', () => {
    const toIp = (n: number) => [24, 16, 8, 0].map((b) => (n >>> b) & 255).join('.');
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        fc.boolean(),
        (net, addr, bits, mapped) => {
          const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
          const check = compileContexts([{ acip: { ipv4: [`${toIp(net)}/${bits}`] } }]);
          const ip = (mapped ? '::ffff:' : '') + toIp(addr);
          return check({ now: new Date(), ip }) === ((net & mask) >>> 0 === (addr & mask) >>> 0);
        },
      ),
    );
  });

  it('validateContext never throws, and compileContexts accepts what it accepts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const msg = validateContext(v);
        if (msg === undefined) compileContexts(v as AccessControlContext[]);
        return msg === undefined || msg.startsWith('acco');
      }),
    );
  });
});
