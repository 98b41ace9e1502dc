import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MqttCommandPublisher } from '../commands/mqtt-command-publisher.service';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service';

@Injectable()
export class MqttHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly mqtt: MqttConnectionService,
    private readonly commands: MqttCommandPublisher,
  ) {}

  /** Both connections: device events in, commands out. */
  connected(key = 'mqtt'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    const down = [!this.mqtt.isConnected && 'device events', !this.commands.isConnected && 'commands'].filter(Boolean);
    return down.length === 0 ? indicator.up() : indicator.down({ message: `not connected to the MQTT broker: ${down.join(', ')}` });
  }
}
