/** Worker thread for bench/event-loop-stall.ts --worker: runs the secret and PII detectors on each text it is sent. */
import { parentPort } from 'node:worker_threads';
import { createPiiDetector } from '../../src/guards/detectors/pii/index.js';
import { createSecretDetector } from '../../src/guards/detectors/secrets/index.js';

const detectors = [createSecretDetector(), createPiiDetector()];
parentPort!.on('message', (text: string) => {
  let n = 0;
  for (const d of detectors) n += d.detect(text).length;
  parentPort!.postMessage(n);
});
parentPort!.postMessage('ready');
