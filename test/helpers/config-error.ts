/** The message `loadConfig` refuses an environment with; fails the test when it is accepted. */
import { loadConfig, type Env } from '../../src/config.js';

export function configError(env: Env): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}
