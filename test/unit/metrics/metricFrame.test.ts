import * as assert from 'node:assert/strict';
import {
  accuracy,
  DEFAULT_MIN_GROUP_SIZE,
  frameDifference,
  frameRatio,
  INTERSECTION_SEPARATOR,
  metricFrame,
} from '../../../src/engine/metrics';
import { truePositiveRate } from './perSampleMetrics';

/** `count` samples of group `key`, of which `correct` are predicted right (truth 1 throughout). */
function block(key: string, count: number, correct: number): { yTrue: number[]; yPred: number[]; groups: string[] } {
  return {
    yTrue: new Array<number>(count).fill(1),
    yPred: Array.from({ length: count }, (_, i) => (i < correct ? 1 : 0)),
    groups: new Array<string>(count).fill(key),
  };
}

function concat(...blocks: Array<ReturnType<typeof block>>): ReturnType<typeof block> {
  return {
    yTrue: blocks.flatMap((b) => b.yTrue),
    yPred: blocks.flatMap((b) => b.yPred),
    groups: blocks.flatMap((b) => b.groups),
  };
}

describe('metrics/metricFrame', () => {
  // a: 40 samples, 30 right (0.75); b: 40, 20 right (0.5); c: 5, 0 right (0).  Overall 50/85.
  const data = concat(block('a', 40, 30), block('b', 40, 20), block('c', 5, 0));

  it('flags groups below minGroupSize and leaves them out of the comparisons by default', () => {
    assert.equal(DEFAULT_MIN_GROUP_SIZE, 30);
    const frame = metricFrame(accuracy, data.yTrue, data.yPred, data.groups);
    assert.deepEqual(frame.smallGroups, ['c']);
    assert.deepEqual(frame.comparedGroups, ['a', 'b']);
    const c = frame.byGroup.find((g) => g.key === 'c')!;
    assert.deepEqual([c.value, c.count, c.small, c.compared], [0, 5, true, false]);
    assert.ok(Math.abs(frame.overall.value! - 50 / 85) < 1e-15);
    assert.deepEqual([frame.groupMin.value, frame.groupMin.group], [0.5, 'b']);
    assert.deepEqual([frame.groupMax.value, frame.groupMax.group], [0.75, 'a']);
    assert.equal(frameDifference(frame).value, 0.25);
    assert.equal(frameRatio(frame).value, 0.5 / 0.75);
    // To overall (50/85 = 0.588…): max |v − overall| = 0.75 − 50/85; ratios a: (50/85)/0.75 = 40/51 (inverted, as > 1
    // otherwise), b: 0.5/(50/85) = 0.85 → min 40/51 = 0.7843….
    assert.ok(Math.abs(frameDifference(frame, 'to_overall').value! - (0.75 - 50 / 85)) < 1e-12);
    assert.ok(Math.abs(frameRatio(frame, 'to_overall').value! - 40 / 51) < 1e-12);
  });

  it('compares small groups when asked, still flagging them', () => {
    const frame = metricFrame(accuracy, data.yTrue, data.yPred, data.groups, { includeSmallGroups: true });
    assert.deepEqual(frame.comparedGroups, ['a', 'b', 'c']);
    assert.equal(frame.byGroup[2].small, true);
    assert.deepEqual([frame.groupMin.value, frame.groupMin.group], [0, 'c']);
    assert.equal(frame.differenceBetweenGroups.value, 0.75);
    assert.equal(frame.ratioBetweenGroups.value, 0);
    // minGroupSize 1 flags nothing.
    assert.deepEqual(metricFrame(accuracy, data.yTrue, data.yPred, data.groups, { minGroupSize: 1 }).smallGroups, []);
  });

  it('lists undefined groups instead of ranking them', () => {
    // Group 'none' has no positives: its TPR is undefined.
    const yTrue = [1, 1, 0, 0, 1, 0];
    const yPred = [1, 0, 1, 0, 1, 1];
    const groups = ['x', 'x', 'none', 'none', 'y', 'y'];
    const frame = metricFrame((t, p) => truePositiveRate(t, p), yTrue, yPred, groups, { minGroupSize: 1, name: 'TPR' });
    assert.equal(frame.metric, 'TPR');
    assert.deepEqual(frame.undefinedGroups, ['none']);
    const none = frame.byGroup.find((g) => g.key === 'none')!;
    assert.equal(none.value, null);
    assert.equal(none.undefined, true);
    assert.match(none.reason!, /undefined in group 'none'/);
    assert.equal(none.compared, false);
    assert.deepEqual([frame.groupMin.value, frame.groupMin.group, frame.groupMax.value, frame.groupMax.group], [0.5, 'x', 1, 'y']);
  });

  it('reports every comparison as undefined, with a reason, when no group can be compared', () => {
    const frame = metricFrame(accuracy, [0, 1], [0, 0], ['a', 'b']);
    assert.deepEqual(frame.comparedGroups, []);
    assert.equal(frame.differenceBetweenGroups.value, null);
    assert.match(frame.differenceBetweenGroups.reason!, /at least 30 samples/);
    assert.equal(frame.groupMin.group, undefined);
  });

  it('keys intersections of several features as "value × value", in feature order', () => {
    assert.equal(INTERSECTION_SEPARATOR, ' × ');
    const skin = ['V', 'V', 'I', 'I', 'V'];
    const gender = ['female', 'male', 'female', 'female', 'female'];
    const frame = metricFrame(accuracy, [0, 0, 0, 0, 0], [0, 1, 0, 1, 1], { skin, gender }, { minGroupSize: 1 });
    assert.deepEqual(frame.features, ['skin', 'gender']);
    assert.deepEqual(frame.byGroup.map((g) => [g.key, g.values, g.count, g.value]), [
      ['I × female', ['I', 'female'], 2, 0.5],
      ['V × female', ['V', 'female'], 2, 0.5],
      ['V × male', ['V', 'male'], 1, 0],
    ]);
    assert.throws(() => metricFrame(accuracy, [0, 0], [0, 0], { skin: ['V'] }), /one entry per sample/);
  });
});
