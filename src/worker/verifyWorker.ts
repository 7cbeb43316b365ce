// Thread of the near-duplicate verification pool (verifyPool.ts): computes the features of the slots,
// scores its unit of sorted proposals, prepares the slots, or verifies the chunks of pairs, it is sent,
// writing into the shared buffers, and answers each chunk when it is done.
import { parentPort, workerData } from 'node:worker_threads';
import { computeFeatures, type FeatureShared } from '../engine/checks/searchFeatures';
import { prepareChunk, verifyChunk, type VerifyShared } from '../engine/checks/verifyPairs';
import { scoreUnit, type ScoringShared } from '../engine/checks/proposalScoring';

const shared = workerData as VerifyShared | FeatureShared | ScoringShared;
parentPort!.on('message', ({ phase, start, end }: { phase: 'prepare' | 'verify' | 'features' | 'scores'; start: number; end: number }) => {
  if (phase === 'features') computeFeatures(shared as FeatureShared, start, end);
  else if (phase === 'scores') scoreUnit(shared as ScoringShared, start);
  else if (phase === 'prepare') prepareChunk(shared as VerifyShared, start, end);
  else verifyChunk(shared as VerifyShared, start, end);
  parentPort!.postMessage(start);
});
