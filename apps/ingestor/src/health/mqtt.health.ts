import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service';

@Injectable()
export class MqttHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly mqtt: MqttConnectionService,
  ) {}

  connected(key = 'mqtt'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return this.mqtt.isConnected ? indicator.up() : indicator.down({ message: 'not connected to the MQTT broker' });
  }
}
