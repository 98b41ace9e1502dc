import { connectAsync } from 'mqtt';

/** True when an MQTT CONNECT gets a CONNACK (a bare open TCP port is not enough). */
export async function answersMqtt(
  url: string,
  attempts = 1,
  credentials?: { username: string; password: string },
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    try {
      const client = await connectAsync(
        url,
        { connectTimeout: 1500, reconnectPeriod: 0, clean: true, ...credentials },
        false,
      );
      await client.endAsync(true);
      return true;
    } catch {
      if (i < attempts - 1) await new Promise((r) => setTimeout(r, 300));
    }
  }
  return false;
}
