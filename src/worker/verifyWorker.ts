// Thread of the near-duplicate verification pool (verifyPool.ts): computes the features of the slots,
// prepares the slots, or verifies the chunks of pairs, it is sent, writing into the shared buffers, and
// answers each chunk when it is done.
import { parentPort, workerData } from 'node:worker_threads';
import { computeFeatures, type FeatureShared } from '../engine/checks/searchFeatures';
import { prepareChunk, verifyChunk, type VerifyShared } from '../engine/checks/verifyPairs';

const shared = workerData as VerifyShared | FeatureShared;
parentPort!.on('message', ({ phase, start, end }: { phase: 'prepare' | 'verify' | 'features'; start: number; end: number }) => {
  if (phase === 'features') computeFeatures(shared as FeatureShared, start, end);
  else if (phase === 'prepare') prepareChunk(shared as VerifyShared, start, end);
  else verifyChunk(shared as VerifyShared, start, end);
  parentPort!.postMessage(start);
});
