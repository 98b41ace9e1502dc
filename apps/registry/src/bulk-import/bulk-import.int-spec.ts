import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { KafkaTopics } from '@welfare/contracts';
import { KafkaTap } from '../../../../test/support/kafka-tap';
import { RegistryApi } from '../../../../test/support/registry-api';
import { startRegistry } from '../../../../test/support/running-services';
import type { RunningService } from '../../../../test/support/running-services';
import { createTestDatabase } from '../../../../test/support/test-database';
import { uniqueName } from '../../../../test/support/test-infra';
import { municipalityAdminToken } from '../../../../test/support/tokens';
import { DeviceCredentialsService } from '../devices/device-credentials.service';
import { importCsvFile, progressBar, writeCredentials } from '../../../../scripts/registry-import/import-client';
import { parseCsv } from './csv';

const HEADER =
  'municipality_number,home_care_team,resident_name,address,key_box,door_code_hint,contact1_name,contact1_phone,contact1_relation,care_note,device_id,serial_number,device_kind,heartbeat_interval_seconds';

/** Bulk onboarding from CSV against a running registry on real PostgreSQL and Kafka. */
describe('registry bulk import (CSV)', () => {
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningService;
  let api: RegistryApi;
  let tap: KafkaTap;
  let sql: Client;
  let place: Awaited<ReturnType<RegistryApi['setup']>>;

  beforeAll(async () => {
    database = await createTestDatabase('registry_import');
    registry = await startRegistry(database.url);
    api = new RegistryApi(registry.url);
    tap = await KafkaTap.open(KafkaTopics.registryDevices);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    place = await api.setup();
  });

  afterAll(async () => {
    await Promise.allSettled([tap?.close(), sql?.end()]);
    await Promise.allSettled([registry?.close()]);
    await database?.drop();
  });

  /** A good row for a new device; override any column by name. */
  function row(overrides: Record<string, string> = {}): string {
    const deviceId = uniqueName('imp');
    const values: Record<string, string> = {
      municipality_number: place.municipalityNumber,
      home_care_team: place.teamName,
      resident_name: 'Kari Nordmann',
      address: 'Storgata 1, 3015 Drammen',
      key_box: 'Behind the "blue" pot, left',
      door_code_hint: 'Cat',
      contact1_name: 'Ola Nordmann',
      contact1_phone: '+47 912 34 567',
      contact1_relation: 'son',
      care_note: 'Hard of hearing',
      device_id: deviceId,
      serial_number: `SN-${deviceId}`,
      device_kind: 'safety_alarm',
      heartbeat_interval_seconds: '300',
      ...overrides,
    };
    return HEADER.split(',')
      .map((column) => (/[",\n]/.test(values[column]) ? `"${values[column].replace(/"/g, '""')}"` : values[column]))
      .join(',');
  }

  const importCsv = (csv: string, mode: string, accept?: string) =>
    api.call('POST', `/api/imports?mode=${mode}`, csv, { 'content-type': 'text/csv', ...(accept ? { accept } : {}) });
  const deviceIdOf = (line: string) =>
    parseCsv(`${HEADER}\n${line}`).rows[0].cells[HEADER.split(',').indexOf('device_id')];
  const countDevices = async (ids: string[]) =>
    (await sql.query('SELECT count(*)::int AS n FROM devices WHERE id = ANY($1)', [ids])).rows[0].n as number;
  const countResidents = async () => (await sql.query('SELECT count(*)::int AS n FROM residents')).rows[0].n as number;

  it('imports good rows: residents with contacts and team, active devices with a secret each, published on the topic', async () => {
    const rows = [
      row(),
      row({
        device_kind: 'fall_detector',
        home_care_team: '',
        contact1_name: '',
        contact1_phone: '',
        contact1_relation: '',
      }),
    ];
    const answer = await importCsv([HEADER, ...rows].join('\r\n'), 'all-or-nothing');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 2, applied: 2, rolledBack: false, errors: [] });
    const [first] = answer.body.created;
    expect(first).toMatchObject({
      line: 2,
      deviceId: deviceIdOf(rows[0]),
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(await registry.app.get(DeviceCredentialsService).verify(first.deviceId, first.secret)).toBe(true);
    const resident = await api.expect(200, 'GET', `/api/residents/${first.residentId}`);
    expect(resident).toMatchObject({
      homeCareTeamId: place.teamId,
      keyBox: 'Behind the "blue" pot, left',
      contacts: [{ name: 'Ola Nordmann', phone: '+47 912 34 567', relation: 'son' }],
    });
    expect(await api.expect(200, 'GET', `/api/residents/${answer.body.created[1].residentId}`)).toMatchObject({
      homeCareTeamId: null,
      contacts: [],
    });
    for (const line of rows) {
      const record = await tap.waitFor((r) => r.key === deviceIdOf(line));
      expect(record.value).toMatchObject({
        state: 'active',
        municipalityId: place.municipalityId,
        heartbeatIntervalSeconds: 300,
      });
    }
  });

  /** Lines 2 and 5 are good; the others are bad in different ways (line 4 only when applied). */
  function mixedFile() {
    const good = [row(), row()];
    const existing = good[0];
    const lines = [
      HEADER,
      good[0],
      row({ device_kind: 'toaster', contact1_phone: 'call me' }),
      row({ municipality_number: '0000' }),
      good[1],
      row({ device_id: deviceIdOf(existing) }),
      row({ home_care_team: 'No such team' }),
    ];
    return { csv: lines.join('\n'), good: good.map(deviceIdOf) };
  }

  it('all-or-nothing: one bad row and nothing is written, and every bad row is listed with its line and reason', async () => {
    const residentsBefore = await countResidents();
    const { csv, good } = mixedFile();
    const answer = await importCsv(csv, 'all-or-nothing');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ rows: 6, applied: 0, rolledBack: true, created: [] });
    expect(answer.body.errors).toEqual([
      { line: 3, reason: expect.stringMatching(/phone must be a phone number.*kind must be one of/) },
      { line: 4, reason: 'no municipality with number 0000 among those you administer' },
      { line: 6, reason: expect.stringMatching(/device_id .* is also on line 2/) },
      { line: 7, reason: 'the municipality has no home-care team named "No such team"' },
    ]);
    // Lines 2 and 5 were inserted inside the transaction before it was rolled back.
    expect(await countDevices(good)).toBe(0);
    expect(await countResidents()).toBe(residentsBefore);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(tap.records.filter((record) => good.includes(record.key ?? ''))).toEqual([]);
  });

  it('skip-bad-rows: the good rows are written, the bad ones listed', async () => {
    const { csv, good } = mixedFile();
    const answer = await importCsv(csv, 'skip-bad-rows');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 6, applied: 2, rolledBack: false });
    expect(answer.body.errors.map((error: { line: number }) => error.line)).toEqual([3, 4, 6, 7]);
    expect(answer.body.created.map((created: { line: number }) => created.line)).toEqual([2, 5]);
    expect(await countDevices(good)).toBe(2);
  });

  it('a row the database refuses (device id already registered) is undone alone, under its savepoint', async () => {
    const taken = await api.expect(201, 'POST', '/api/devices', {
      id: uniqueName('taken'),
      serialNumber: uniqueName('sn'),
      kind: 'gps_tracker',
    });
    const residentsBefore = await countResidents();
    const good = row();
    const answer = await importCsv([HEADER, row({ device_id: taken.id }), good].join('\n'), 'skip-bad-rows');
    expect(answer.body.errors).toEqual([{ line: 2, reason: expect.stringContaining('a device with this id exists') }]);
    expect(answer.body.applied).toBe(1);
    // The refused row's resident was inserted before its device failed: the savepoint took it back.
    expect(await countResidents()).toBe(residentsBefore + 1);
    expect(await api.expect(200, 'GET', `/api/devices/${taken.id}`)).toMatchObject({
      state: 'in_stock',
      residentId: null,
    });
  });

  it('refuses a file it cannot read as a whole with 400, and a body that is not CSV with 415', async () => {
    expect(await importCsv('resident_name,shoe_size\nKari,42', 'skip-bad-rows')).toMatchObject({
      status: 400,
      body: {
        message: expect.stringMatching(/line 1.*missing columns: municipality_number.*unknown columns: shoe_size/),
      },
    });
    expect(await importCsv(`${HEADER}\n"unclosed`, 'skip-bad-rows')).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('line 2') },
    });
    expect(await importCsv(`${HEADER}\n${row()}`, 'some-rows')).toMatchObject({
      status: 400,
      body: { message: [expect.stringContaining('mode must be one of')] },
    });
    expect((await api.call('POST', '/api/imports?mode=skip-bad-rows', { csv: 'json' })).status).toBe(415);
    const ragged = await importCsv(`${HEADER}\n${row()},extra`, 'skip-bad-rows');
    expect(ragged.body.errors).toEqual([{ line: 2, reason: 'has 15 fields; the header has 14' }]);
  });

  it('streams progress as rows are applied, then the report, when asked for NDJSON', async () => {
    const answer = await importCsv(
      [HEADER, row(), row(), row({ device_kind: 'x' })].join('\n'),
      'skip-bad-rows',
      'application/x-ndjson',
    );
    expect(answer.status).toBe(200);
    const lines = (answer.body as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.slice(0, -1)).toEqual([
      { progress: { done: 1, total: 3 } },
      { progress: { done: 2, total: 3 } },
      { progress: { done: 3, total: 3 } },
    ]);
    expect(lines.at(-1).report).toMatchObject({ rows: 3, applied: 2, errors: [{ line: 4 }] });
  });

  it('the CLI client posts a file, reports progress per row, and writes the secrets to a file only its owner reads', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'registry-cli-'));
    try {
      const file = join(scratch, 'residents.csv');
      await writeFile(file, [HEADER, row(), row({ device_kind: 'x' }), row()].join('\n'));
      const seen: string[] = [];
      const token = await municipalityAdminToken(place.municipalityId);
      const report = await importCsvFile({
        file,
        mode: 'skip-bad-rows',
        registryUrl: registry.url,
        token,
        onProgress: (done, total) => seen.push(progressBar(done, total, 10)),
      });
      expect(seen).toEqual(['[###.......]  33% 1/3 rows', '[#######...]  66% 2/3 rows', '[##########] 100% 3/3 rows']);
      expect(report).toMatchObject({ applied: 2, errors: [{ line: 3 }] });
      const secrets = join(scratch, 'secrets.csv');
      await writeCredentials(secrets, report);
      expect((await stat(secrets)).mode & 0o777).toBe(0o600);
      expect((await readFile(secrets, 'utf8')).trim().split('\n')).toHaveLength(3);
      await expect(importCsvFile({ file, mode: 'bogus' as never, registryUrl: registry.url, token })).rejects.toThrow(
        /refused the file \(400\).*mode must be one of/,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
