// Progress throttling: at most one update per interval, but never a dropped stage change or last step.
import * as assert from 'node:assert/strict';
import type { Progress } from '../../../src/engine/types';
import { throttleProgress } from '../../../src/worker/progressThrottle';

describe('throttleProgress', () => {
  it('forwards stage changes and finished stages at once, and the rest at most once per interval', () => {
    let time = 0;
    const sent: Array<[number, string, number]> = [];
    const report = throttleProgress((progress: Progress) => sent.push([time, progress.stage, progress.done]), 100, () => time);
    const at = (t: number, progress: Progress): void => {
      time = t;
      report(progress);
    };
    at(0, { stage: 'discover', done: 0 }); // new stage
    at(10, { stage: 'scan', done: 1, total: 4 }); // new stage
    at(50, { stage: 'scan', done: 2, total: 4 }); // 40 ms after the last: dropped
    at(110, { stage: 'scan', done: 3, total: 4 }); // 100 ms after: sent
    at(120, { stage: 'scan', done: 4, total: 4 }); // finished: sent
    at(130, { stage: 'checks', done: 0, total: 8 }); // new stage
    at(140, { stage: 'checks', done: 1, total: 8 }); // dropped
    assert.deepEqual(sent, [
      [0, 'discover', 0],
      [10, 'scan', 1],
      [110, 'scan', 3],
      [120, 'scan', 4],
      [130, 'checks', 0],
    ]);
  });
});
