/**
 * SCAIP against MQTT: how long an alarm takes from the device to the operator's queue (its
 * `device_events` row stored with its alarm, stamped by the response centre on this machine's
 * clock) when it comes from a SCAIP unit over SIP through the gateway, and when it comes from an
 * MQTT device through the ingestor. Both kinds of devices press at once, half the rate each, on
 * one stack (fresh Kafka, database and broker; the services from dist/), so both see the same
 * machine. Prints the figures and the load average; asserts nothing.
 *
 *   npm run build && node dist/scripts/bench/scaip-latency.js [--rate 100] [--seconds 60] [--devices 20]
 *
 * A SCAIP unit answers the gateway's digest challenge once, then signs each MESSAGE with the
 * same nonce and a rising nonce count (qop=auth), as units keep their digest context: the
 * measured press is sent signed, and its time runs until the event is stored. The gateway's
 * receipt is answered with 200 and not timed.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { connectAsync, MqttClient } from 'mqtt';
import { Client } from 'pg';
import * as sip from 'sip';
import type { SipMessage, SipStack } from 'sip';
import * as digest from 'sip/digest.js';
import { freePorts } from '@welfare/infra';
import { BENCH_SCAIP_GATEWAY_SECRET, distEntry, startInfrastructure, startServices } from './bench-stack';
import { Cleanup } from './cleanup';
import { LatencyHistogram, LatencySummary } from './latency-histogram';
import { onboardBenchDevices } from './registry-onboarding';
import { startService } from './service-process';

interface Options {
  rate: number;
  seconds: number;
  devices: number;
}

/** Where the SCAIP units send from (a loopback address of its own). */
const UNITS_ADDRESS = '127.0.0.2';

const log = (message: string) => process.stdout.write(`[scaip-bench] ${message}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cleanup = new Cleanup(log);
  cleanup.exitOnSignals();
  try {
    const tag = `scaip${Date.now().toString(36)}`;
    const infra = await startInfrastructure(
      tag,
      { mqttUrl: undefined, sharedBroker: false, postgresProfile: false },
      () => false,
      cleanup,
      log,
    );
    const services = await startServices(infra, tag, cleanup, log);
    const mqttIds = Array.from({ length: options.devices }, (_, i) => `bench-mqtt-${tag}-${i}`);
    const scaipIds = Array.from({ length: options.devices }, (_, i) => `bench-scaip-${tag}-${i}`);
    const controllerOf = new Map(scaipIds.map((id, i) => [id, `${Date.now() % 1e9}${String(i).padStart(3, '0')}`]));
    log(`onboarding ${options.devices} MQTT devices and ${options.devices} SCAIP units at the registry`);
    const { secrets } = await onboardBenchDevices(
      services.registryUrl,
      services.issuer,
      [...mqttIds, ...scaipIds],
      tag,
      (id) => (controllerOf.has(id) ? { scaipControllerId: controllerOf.get(id) } : {}),
    );
    const [gatewayHttpPort, sipPort, unitPort] = await freePorts(3);
    const gateway = await startService(
      'scaip-gateway',
      distEntry('scaip-gateway'),
      {
        KAFKA_BROKERS: infra.kafka.brokers,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(gatewayHttpPort),
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        REGISTRY_URL: services.registryUrl,
        SCAIP_GATEWAY_SECRET: BENCH_SCAIP_GATEWAY_SECRET,
        // Every unit here sends from 127.0.0.1: the per-source flood limit would count them as one.
        SIP_FLOOD_REQUESTS_PER_MINUTE: '1000000',
      },
      join(infra.workDir, 'scaip-gateway.log'),
    );
    cleanup.add('stop scaip-gateway', gateway.stop);

    const mqttDevices = await Promise.all(
      mqttIds.map((id) => connectAsync(infra.mqttUrl, { clientId: id, username: id, password: secrets.get(id) })),
    );
    cleanup.add('disconnect MQTT devices', async () => {
      await Promise.allSettled(mqttDevices.map((client) => client.endAsync()));
    });
    const units = new ScaipUnits(sipPort, unitPort, controllerOf, secrets);
    cleanup.add('stop SIP units', async () => units.close());
    // One press each before the clock starts: the units' digest context, the gateway's HA1 cache
    // and every service's connections are then warm, for both kinds of devices alike.
    log('warm-up: one press per device');
    await Promise.all([
      ...mqttDevices.map((client, i) => pressMqtt(client, mqttIds[i], `w${i}`)),
      ...scaipIds.map((id, i) => units.press(id, `W${i}`)),
    ]);
    await waitStored(infra.databaseUrl, 2 * options.devices, 60_000, tag);
    log(`warm-up: SCAIP presses not taken: ${units.failures} ${JSON.stringify(Object.fromEntries(units.failedWith))}`);

    log(`load: ${options.rate} alarm events/s for ${options.seconds} s, half from MQTT devices, half from SCAIP units`);
    const loadBefore = loadavg();
    const sent = await runLoad(options, mqttDevices, mqttIds, scaipIds, units);
    await waitStored(infra.databaseUrl, 2 * options.devices + sent.mqtt.size + sent.scaip.size, 120_000, tag);
    const loadAfter = loadavg();
    const figures = await latencies(infra.databaseUrl, sent);
    const row = (name: string, summary: LatencySummary, missing: number) =>
      `${name.padEnd(6)} | ${String(summary.count).padStart(6)} | ${String(missing).padStart(7)} | ${summary.p50Ms.toFixed(1).padStart(7)} | ${summary.p99Ms.toFixed(1).padStart(7)} | ${summary.p999Ms.toFixed(1).padStart(8)} | ${summary.maxMs.toFixed(1).padStart(7)}`;
    process.stdout.write(
      [
        '',
        `device press -> alarm event stored (ms), ${options.rate} events/s for ${options.seconds} s, ${options.devices} devices of each kind`,
        'path   | stored | missing |     p50 |     p99 |   p99.9 |     max',
        row('MQTT', figures.mqtt, figures.mqttMissing),
        row('SCAIP', figures.scaip, figures.scaipMissing),
        `SCAIP p99 - MQTT p99: ${(figures.scaip.p99Ms - figures.mqtt.p99Ms).toFixed(1)} ms (target: within 50 ms)`,
        `SCAIP presses the gateway did not take: ${units.failures} (by status: ${JSON.stringify(Object.fromEntries(units.failedWith))})`,
        `load average (1, 5, 15 min) before: ${loadBefore.map((n) => n.toFixed(2)).join(', ')}; after: ${loadAfter.map((n) => n.toFixed(2)).join(', ')} (${cpus().length} cores)`,
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup.runAll();
  }
}

/** Presses at `rate` per second, alternating MQTT and SCAIP, spread over the devices; returns each press's send time by event key. */
async function runLoad(
  options: Options,
  mqttDevices: MqttClient[],
  mqttIds: string[],
  scaipIds: string[],
  units: ScaipUnits,
): Promise<{ mqtt: Map<string, number>; scaip: Map<string, number> }> {
  const sent = { mqtt: new Map<string, number>(), scaip: new Map<string, number>() };
  const total = options.rate * options.seconds;
  const intervalMs = 1000 / options.rate;
  const started = Date.now();
  const inFlight: Promise<unknown>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + n * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const device = Math.floor(n / 2) % options.devices;
    if (n % 2 === 0) {
      const eventId = `m${n}`;
      sent.mqtt.set(`${mqttIds[device]}/${eventId}`, Date.now());
      inFlight.push(pressMqtt(mqttDevices[device], mqttIds[device], eventId));
    } else {
      const ref = `P${n}`;
      sent.scaip.set(`${scaipIds[device]}/${ref}`, Date.now());
      inFlight.push(units.press(scaipIds[device], ref));
    }
  }
  await Promise.allSettled(inFlight);
  return sent;
}

function pressMqtt(client: MqttClient, deviceId: string, eventId: string): Promise<unknown> {
  const event = { id: eventId, type: 'alarm.button', time: new Date().toISOString() };
  return client.publishAsync(`devices/${deviceId}/events`, JSON.stringify(event), { qos: 1 });
}

/**
 * SCAIP units over SIP/UDP through one `sip` stack (the units' From names each): a MESSAGE
 * with an `<mrq>` per press, signed with the unit's digest context; the gateway's receipt
 * MESSAGE is answered with 200.
 */
class ScaipUnits {
  private readonly stack: SipStack;
  private readonly contexts = new Map<string, object>();
  failures = 0;
  /** How the gateway answered the presses that failed, by status. */
  readonly failedWith = new Map<number, number>();

  constructor(
    private readonly gatewayPort: number,
    private readonly port: number,
    private readonly controllerOf: Map<string, string>,
    private readonly secrets: Map<string, string>,
  ) {
    this.stack = sip.create(
      // Not 127.0.0.1: the `sip` stack takes a request to its own host name for one of its own flows.
      { address: UNITS_ADDRESS, publicAddress: UNITS_ADDRESS, port, udp: true, tcp: false },
      (request) => this.stack.send(sip.makeResponse(request, 200, 'OK')),
    );
  }

  /** Resolves once the gateway answered 200 (Kafka has the event); counts a failure otherwise. */
  async press(deviceId: string, ref: string): Promise<void> {
    const cid = this.controllerOf.get(deviceId)!;
    const credentials = { user: cid, password: this.secrets.get(deviceId)! };
    const body = `<mrq><ref>${ref}</ref><mty>ME</mty><cid>${cid}</cid><dty>0003</dty><stc>0010</stc><crd>gsm:+4791234567</crd></mrq>`;
    let request = this.message(cid, body, 1);
    const context = this.contexts.get(deviceId);
    if (context) digest.signRequest(context, request, null as unknown as SipMessage, credentials);
    let response = await this.send(request);
    if (response.status === 401) {
      const fresh = {};
      request = this.message(cid, body, 2);
      digest.signRequest(fresh, request, response, credentials);
      this.contexts.set(deviceId, fresh);
      response = await this.send(request);
    }
    if (response.status !== 200) {
      this.failures++;
      this.failedWith.set(response.status ?? 0, (this.failedWith.get(response.status ?? 0) ?? 0) + 1);
    }
  }

  close(): void {
    this.stack.destroy();
  }

  private message(cid: string, body: string, seq: number): SipMessage {
    const gateway = `sip:scaip@127.0.0.1:${this.gatewayPort}`;
    return {
      method: 'MESSAGE',
      uri: gateway,
      headers: {
        via: [],
        from: { uri: `sip:${cid}@${UNITS_ADDRESS}:${this.port}`, params: { tag: Math.random().toString(36).slice(2) } },
        to: { uri: gateway, params: {} },
        'call-id': `${Math.random().toString(36).slice(2)}@bench-unit`,
        cseq: { method: 'MESSAGE', seq },
        'max-forwards': 70,
        'content-type': 'application/scaip+xml',
      },
      content: body,
    };
  }

  private send(request: SipMessage): Promise<SipMessage> {
    return new Promise((resolve) =>
      this.stack.send(request, (response) => {
        if ((response.status ?? 0) >= 200) resolve(response);
      }),
    );
  }
}

/** Waits until the database holds at least `count` alarm events of this run (or the time is up). */
async function waitStored(databaseUrl: string, count: number, timeoutMs: number, tag: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM device_events WHERE alarm_id IS NOT NULL AND device_id LIKE $1`,
        [`bench-%-${tag}-%`],
      );
      if (rows[0].n >= count) return;
    } finally {
      await client.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  log(`not every alarm event was stored within ${timeoutMs} ms; the missing ones are counted`);
}

async function latencies(databaseUrl: string, sent: { mqtt: Map<string, number>; scaip: Map<string, number> }) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ device_id: string; event_id: string; stored_at: Date }>(
      `SELECT device_id, event_id, stored_at FROM device_events WHERE alarm_id IS NOT NULL`,
    );
    const mqtt = new LatencyHistogram();
    const scaip = new LatencyHistogram();
    let mqttFound = 0;
    let scaipFound = 0;
    for (const row of rows) {
      // SCAIP event ids are scaip.{ref}.{window}.{hash} (apps/scaip-gateway/src/scaip/ref-memory.ts).
      const scaipRef = row.event_id.startsWith('scaip.') ? row.event_id.split('.')[1] : null;
      const mqttSent = sent.mqtt.get(`${row.device_id}/${row.event_id}`);
      const scaipSent = scaipRef ? sent.scaip.get(`${row.device_id}/${scaipRef}`) : undefined;
      if (mqttSent !== undefined) {
        mqtt.record(row.stored_at.getTime() - mqttSent);
        mqttFound++;
      } else if (scaipSent !== undefined) {
        scaip.record(row.stored_at.getTime() - scaipSent);
        scaipFound++;
      }
    }
    return {
      mqtt: mqtt.summary(),
      scaip: scaip.summary(),
      mqttMissing: sent.mqtt.size - mqttFound,
      scaipMissing: sent.scaip.size - scaipFound,
    };
  } finally {
    await client.end();
  }
}

function parseOptions(args: string[]): Options {
  const options: Options = { rate: 100, seconds: 60, devices: 20 };
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, '') as keyof Options;
    const value = Number(args[i + 1]);
    if (!(name in options) || !Number.isFinite(value) || value <= 0) throw new Error(`unknown option ${args[i]}`);
    options[name] = value;
  }
  return options;
}

main().catch((error: unknown) => {
  process.stderr.write(`[scaip-bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
