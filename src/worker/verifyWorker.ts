// Thread of the near-duplicate verification pool (verifyPool.ts): computes the features of the slots,
// scores its unit of sorted proposals, prepares the slots, or verifies the chunks of pairs, it is sent,
// writing into the shared buffers, and answers each chunk when it is done.
import { parentPort } from 'node:worker_threads';
import { computeFeatures, type FeatureShared } from '../engine/checks/searchFeatures';
import { prepareChunk, verifyChunk, type VerifyShared } from '../engine/checks/verifyPairs';
import { scoreUnit, type ScoringShared } from '../engine/checks/proposalScoring';

type Phase = 'prepare' | 'verify' | 'features' | 'scores';
/** The buffers of the current run (each run sends its own before its chunks). */
let shared: VerifyShared | FeatureShared | ScoringShared | undefined;
parentPort!.on('message', (message: { shared: VerifyShared | FeatureShared | ScoringShared } | { phase: Phase; start: number; end: number }) => {
  if ('shared' in message) {
    shared = message.shared;
    return;
  }
  const { phase, start, end } = message;
  if (phase === 'features') computeFeatures(shared as FeatureShared, start, end);
  else if (phase === 'scores') scoreUnit(shared as ScoringShared, start);
  else if (phase === 'prepare') prepareChunk(shared as VerifyShared, start, end);
  else verifyChunk(shared as VerifyShared, start, end);
  parentPort!.postMessage(start);
});
