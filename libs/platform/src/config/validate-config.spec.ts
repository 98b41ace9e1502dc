import { IsString, Matches } from 'class-validator';
import { CommonSettings } from './common-settings';
import { ConfigurationError, loadConfig } from './validate-config';

class ExampleConfig extends CommonSettings {
  override KAFKA_CLIENT_ID = 'example';
  override HTTP_PORT = 3000;

  @IsString()
  @Matches(/^postgres:\/\//)
  DATABASE_URL: string;
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(ExampleConfig, {
      DATABASE_URL: 'postgres://x/y',
      HTTP_PORT: '8080',
      KAFKA_BROKERS: 'a:9092, b:9093',
    });
    expect(config).toMatchObject({
      HTTP_PORT: 8080,
      KAFKA_BROKERS: ['a:9092', 'b:9093'],
      LOG_LEVEL: 'info',
      KAFKA_CLIENT_ID: 'example',
    });
  });

  it('fails with every problem listed at once, by setting name', () => {
    const attempt = () =>
      loadConfig(ExampleConfig, { HTTP_PORT: 'eighty', KAFKA_BROKERS: 'no-port', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      const { problems } = error as ConfigurationError;
      expect(problems.join('\n')).toMatch(/DATABASE_URL/);
      expect(problems.join('\n')).toMatch(/HTTP_PORT/);
      expect(problems.join('\n')).toMatch(/KAFKA_BROKERS/);
      expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    }
  });

  it('treats an empty variable as unset rather than as a value', () => {
    expect(loadConfig(ExampleConfig, { DATABASE_URL: 'postgres://x/y', LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });
});
