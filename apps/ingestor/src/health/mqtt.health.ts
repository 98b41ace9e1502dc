import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { CommandWorkerHost } from '../commands/command-worker-host.service';
import { MqttIntakeService } from '../mqtt/mqtt-intake.service';
import { RegistryViewService } from '../registry-view/registry-view.service';

@Injectable()
export class MqttHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly mqtt: MqttIntakeService,
    private readonly commands: CommandWorkerHost,
    private readonly registryView: RegistryViewService,
  ) {}

  /** Both connections: device events in, commands out. */
  connected(key = 'mqtt'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const down = [!this.mqtt.isConnected && 'device events', !this.commands.isConnected && 'commands'].filter(Boolean);
    return down.length === 0
      ? indicator.up()
      : indicator.down({ message: `not connected to the MQTT broker: ${down.join(', ')}` });
  }

  /** Readiness of the command worker: running, and its command consumer in its group. */
  commandPathReady(key = 'device-commands'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const consumers = this.commands.consumerStates;
    if (!this.commands.isRunning) return indicator.down({ message: 'command worker not running (restarting)' });
    if (consumers.length === 0 || consumers.some((consumer) => consumer.state !== 'running'))
      return indicator.down({ message: 'the command consumer has not joined its group', consumers: [...consumers] });
    return indicator.up({ consumers: [...consumers] });
  }

  /** Liveness of the command path: no consumer of the command worker gave up. */
  commandPathAlive(key = 'device-commands-consumer'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const consumers = [...this.commands.consumerStates];
    return consumers.some((consumer) => consumer.state === 'crashed')
      ? indicator.down({ message: 'the command consumer gave up', consumers })
      : indicator.up({ consumers });
  }

  /** The view of registry.devices.v1 that device events are judged by: a consumer given up on means restart me. */
  registryViewAlive(key = 'registry-view'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const failure = this.registryView.failure;
    return failure === null
      ? indicator.up()
      : indicator.down({ message: `registry view consumer stopped: ${failure}` });
  }
}
