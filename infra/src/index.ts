export * from './free-port';
export * from './repo-root';
export * from './commands';
export * from './kafka-broker';
export * from './postgres';
export * from './mqtt-broker';
export * from './mosquitto-instance';
export * from './mqtt-probe';
