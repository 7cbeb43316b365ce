// Thread of the near-duplicate verification pool (verifyPool.ts): verifies the chunks of pairs it is
// sent, writing into the shared results, and answers each chunk when it is done.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyChunk, type VerifyShared } from '../engine/checks/verifyPairs';

const shared = workerData as VerifyShared;
parentPort!.on('message', ({ start, end }: { start: number; end: number }) => {
  verifyChunk(shared, start, end);
  parentPort!.postMessage(start);
});
