import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MqttCommandPublisher } from '../commands/mqtt-command-publisher.service';
import { MqttIntakeService } from '../mqtt/mqtt-intake.service';
import { RegistryViewService } from '../registry-view/registry-view.service';

@Injectable()
export class MqttHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly mqtt: MqttIntakeService,
    private readonly commands: MqttCommandPublisher,
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

  /** The view of registry.devices.v1 that device events are judged by: a consumer given up on means restart me. */
  registryViewAlive(key = 'registry-view'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const failure = this.registryView.failure;
    return failure === null
      ? indicator.up()
      : indicator.down({ message: `registry view consumer stopped: ${failure}` });
  }
}
