/** `rollcall start`: runs the chosen role on the configuration in force. */
import { describeConfig, type Config } from '../../config.js';
import { FaceEnginePool } from '../workers/index.js';

export type Role = 'all' | 'recognition' | 'web';

export async function runStart(config: Config, role: Role): Promise<number> {
  process.stdout.write(`Rollcall starting, role ${role}\n`);
  for (const [key, value] of Object.entries(describeConfig(config)))
    process.stdout.write(`  ${key}=${value}\n`);
  const engine = await FaceEnginePool.start({
    threads: config.workerThreads,
    backend: config.tfBackend,
    defaultDetector: config.liveDetector,
  });
  process.stdout.write(
    `Face engine ready: ${engine.info.backend} backend, ${engine.info.threads} thread(s)\n`,
  );
  await engine.close();
  return 0;
}
