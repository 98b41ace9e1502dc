import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InjectMetric } from '@welfare/platform';
import { Counter, Gauge } from 'prom-client';
import { RegistryConfig } from '../registry.config';
import { brokerUnavailable, DynsecCommand, DynsecControl, DynsecResponse } from './dynsec-control';

type Change = { kind: 'grant'; deviceId: string; secret: string } | { kind: 'revoke'; deviceId: string };

/**
 * Taken shared by every transaction that changes broker credentials, from its broker call to
 * its commit, and exclusively by the reconciliation: so the reconciliation never sees a broker
 * client whose device's change is not yet committed (and would wrongly remove it).
 */
const CREDENTIALS_LOCK = 7_364_002;

/**
 * Keeps the broker's device accounts in step with the registry (BROKER_ACCESS=mosquitto-dynsec):
 * a device gets a broker client (username and client id = device id, the secret issued to it)
 * and a role of its own allowing only devices/{id}/events out and devices/{id}/commands in
 * (Mosquitto 2.0's plugin has no %u patterns); retiring deletes both, which also cuts a live
 * session. A new secret replaces the password, which also cuts the session signed in with the old one.
 *
 * Ordering with the database, and what each crash leaves:
 * - Changes are staged while the transaction runs (DevicesService: grant, revoke) and sent to the broker
 *   just before COMMIT (RegistryChanges). If the broker does not confirm, the transaction rolls
 *   back and the admin gets 503: nothing changed in the registry.
 * - Broker confirmed, then the commit fails or the registry dies before it: for an onboarding or
 *   an import, the broker has a client for a device that is not active; the reconciliation
 *   (at start, on every broker reconnect, and every BROKER_RECONCILE_INTERVAL_MS) removes it.
 *   For a rotation, the broker has a secret the admin never saw: the device is locked out until
 *   the admin, who got an error, rotates again. For a retirement, the device is shut out while
 *   the registry still says active: retiring again completes it. Each leaves a device shut out,
 *   never one let in that the registry has shut out.
 * - An active device whose broker client is missing cannot be repaired here (only the hash is
 *   kept): the reconciliation reports it (log, broker_active_devices_without_credentials) and a
 *   rotation gives it a working secret.
 */
@Injectable()
export class BrokerAccessService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BrokerAccessService.name);
  private readonly staged = new WeakMap<EntityManager, Change[]>();
  private control: DynsecControl | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconciling: Promise<unknown> | null = null;

  constructor(
    private readonly config: RegistryConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric('broker_clients_removed_total') private readonly removed: Counter,
    @InjectMetric('broker_active_devices_without_credentials') private readonly missing: Gauge,
  ) {}

  /**
   * The device's own role at the broker. Its prefix marks the clients this registry keeps: the
   * reconciliation touches no others (another registry's on a shared broker, an operator's own).
   */
  private roleOf(deviceId: string): string {
    return `${this.config.BROKER_DEVICE_ROLE_PREFIX}${deviceId}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const mode = this.config.BROKER_ACCESS;
    if (mode === 'none') {
      this.logger.warn(
        "BROKER_ACCESS=none: the registry does NOT keep any MQTT broker's device credentials. Only for a production broker wired to the registry another way; otherwise every device is shut out, or worse, let in.",
      );
      return;
    }
    if (mode === 'http-hooks') {
      this.logger.log(
        'BROKER_ACCESS=http-hooks: the broker asks POST /api/broker/authenticate and /api/broker/authorize',
      );
      return;
    }
    this.control = new DynsecControl(
      this.config.BROKER_ADMIN_URL!,
      { username: this.config.BROKER_ADMIN_USERNAME!, password: this.config.BROKER_ADMIN_PASSWORD! },
      this.config.BROKER_CONFIRM_TIMEOUT_MS,
      () => void this.reconcileQuietly(),
    );
    this.timer = setInterval(() => void this.reconcileQuietly(), this.config.BROKER_RECONCILE_INTERVAL_MS);
    this.timer.unref();
    if (!(await this.control.ready(this.config.BROKER_CONFIRM_TIMEOUT_MS))) {
      this.logger.error(
        { url: this.config.BROKER_ADMIN_URL },
        'MQTT broker not reachable: onboarding, rotation and retirement answer 503 until it is',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reconciling?.catch(() => undefined);
    await this.control?.close();
  }

  get brokerConnected(): boolean | null {
    return this.control ? this.control.connected : null;
  }

  /** In the change's transaction: the device signs in with this secret once the change commits (onboarding, rotation). */
  grant(manager: EntityManager, deviceId: string, secret: string): void {
    this.stageChange(manager, { kind: 'grant', deviceId, secret });
  }

  /** In the change's transaction: the device is shut out once the change commits (retirement). */
  revoke(manager: EntityManager, deviceId: string): void {
    this.stageChange(manager, { kind: 'revoke', deviceId });
  }

  private stageChange(manager: EntityManager, change: Change): void {
    if (!this.control) return;
    this.staged.set(manager, [...(this.staged.get(manager) ?? []), change]);
  }

  /** Just before COMMIT: the broker confirms every staged change, or this throws (503) and the transaction rolls back. */
  async applyStaged(manager: EntityManager): Promise<void> {
    const changes = this.staged.get(manager);
    this.staged.delete(manager);
    if (!changes?.length || !this.control) return;
    await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [CREDENTIALS_LOCK]);
    const commands = changes.flatMap((change) =>
      commandsFor(change, this.roleOf(change.deviceId)).map((command) => ({ change, command })),
    );
    const answers = await this.control.run(commands.map(({ command }) => command));
    expectOnly(answers, ['Role already exists', 'Client already exists', 'Client not found', 'Role not found']);
    // A client that exists gets the new password: a rotation, or an onboarding retried after a crash.
    const existing = commands.filter(
      ({ command }, index) => command.command === 'createClient' && answers[index].error === 'Client already exists',
    );
    const passwords = existing.map(({ change }) => ({
      command: 'setClientPassword',
      username: change.deviceId,
      password: (change as Extract<Change, { kind: 'grant' }>).secret,
    }));
    if (passwords.length > 0) expectOnly(await this.control.run(passwords), []);
  }

  /** Removes broker clients of devices that are not active; reports active devices the broker does not know. */
  async reconcile(): Promise<{ removed: string[]; missing: string[] }> {
    if (!this.control) return { removed: [], missing: [] };
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CREDENTIALS_LOCK]);
      const [listing] = await this.control!.run([{ command: 'listClients', verbose: true }]);
      if (listing.error) throw brokerUnavailable(`listClients: ${listing.error}`);
      const clients = ((listing.data?.clients ?? []) as { username: string; roles?: { rolename: string }[] }[])
        .filter((client) => client.roles?.some((role) => role.rolename === this.roleOf(client.username)))
        .map((client) => client.username);
      const active: { id: string }[] = await manager.query(`SELECT id FROM devices WHERE state = 'active'`);
      const activeIds = new Set(active.map((row) => row.id));
      const onBroker = new Set(clients);
      const removed = clients.filter((id) => !activeIds.has(id));
      if (removed.length > 0)
        expectOnly(
          await this.control!.run(
            removed.flatMap((deviceId) => commandsFor({ kind: 'revoke', deviceId }, this.roleOf(deviceId))),
          ),
          ['Client not found', 'Role not found'],
        );
      const missing = [...activeIds].filter((id) => !onBroker.has(id));
      this.removed.inc(removed.length);
      this.missing.set(missing.length);
      if (removed.length > 0)
        this.logger.warn(
          { removed: removed.slice(0, 50), count: removed.length },
          'removed broker clients of devices that are not active',
        );
      if (missing.length > 0)
        this.logger.warn(
          { devices: missing.slice(0, 50), count: missing.length },
          'active devices without broker credentials: rotate their secrets to let them in',
        );
      return { removed, missing };
    });
  }

  private async reconcileQuietly(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = this.reconcile()
      .catch((error: unknown) => this.logger.error({ err: error }, 'broker reconciliation failed; tried again later'))
      .finally(() => (this.reconciling = null));
    await this.reconciling;
  }
}

function commandsFor(change: Change, rolename: string): DynsecCommand[] {
  if (change.kind === 'revoke')
    return [
      { command: 'deleteClient', username: change.deviceId },
      { command: 'deleteRole', rolename },
    ];
  return [
    {
      command: 'createRole',
      rolename,
      acls: [
        { acltype: 'publishClientSend', topic: `devices/${change.deviceId}/events`, allow: true },
        // Literal: the device may not subscribe with wildcards, even ones that would match its own topic.
        { acltype: 'subscribeLiteral', topic: `devices/${change.deviceId}/commands`, allow: true },
      ],
    },
    {
      command: 'createClient',
      username: change.deviceId,
      clientid: change.deviceId,
      password: change.secret,
      textname: 'welfare device',
      roles: [{ rolename }],
    },
  ];
}

function expectOnly(answers: DynsecResponse[], harmless: string[]): void {
  const failed = answers.find((answer) => answer.error && !harmless.includes(answer.error));
  if (failed) throw brokerUnavailable(`${failed.command}: ${failed.error}`);
}
