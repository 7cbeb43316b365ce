import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  argmaxConfusionJoint,
  findLabelIssueMask,
  findMultiLabelIssueMask,
  findPredictedNeqGiven,
  multiLabelConfidentJoints,
  numLabelIssues,
} from '../../../src/engine/labels';
import type { LabelIssueFilter } from '../../../src/engine/labels';
import { requireSharedData, sharedDataPath } from '../sharedData';

// Masks asserted by cleanlab's own tests (tests/test_filter_count.py), frozen in shared/data/vectors.
const vectorFile = sharedDataPath('vectors', 'cleanlab_filter_tests.json');

interface VectorCase {
  test: string;
  labels: number[] | number[][];
  pred_probs: number[][];
  expected_issue_mask?: boolean[];
  expected_confident_joint_shape?: number[];
}

function loadCases(): VectorCase[] | null {
  if (!fs.existsSync(vectorFile)) return null;
  return (JSON.parse(fs.readFileSync(vectorFile, 'utf8')) as { cases: VectorCase[] }).cases;
}

function caseNamed(cases: VectorCase[], prefix: string): VectorCase {
  const found = cases.find((c) => c.test.startsWith(prefix));
  assert.ok(found, `no vector case starting '${prefix}'`);
  return found;
}

describe('labels/cleanlab vectors', function () {
  const cases = loadCases();
  beforeEach(function () {
    requireSharedData(this, vectorFile);
  });
  const all = (): VectorCase[] => cases ?? [];

  it('find_predicted_neq_given (1)', () => {
    const c = caseNamed(all(), 'test_predicted_neq_given_filter (1)');
    assert.deepEqual(findPredictedNeqGiven(c.labels as number[], c.pred_probs), c.expected_issue_mask);
    assert.deepEqual(findLabelIssueMask(c.labels as number[], c.pred_probs, 3, { filterBy: 'predicted_neq_given' }), c.expected_issue_mask);
  });

  describe('case (2): predicted_neq_given, confident_learning and the argmax-confusion-matrix joint', () => {
    const get = (): VectorCase => caseNamed(all(), 'test_predicted_neq_given_filter (2)');

    it('find_predicted_neq_given and find_label_issues(predicted_neq_given | confident_learning)', () => {
      const c = get();
      const labels = c.labels as number[];
      assert.deepEqual(findPredictedNeqGiven(labels, c.pred_probs), c.expected_issue_mask);
      for (const filterBy of ['predicted_neq_given', 'confident_learning'] as const) {
        assert.deepEqual(findLabelIssueMask(labels, c.pred_probs, 3, { filterBy }), c.expected_issue_mask, filterBy);
      }
    });

    for (const calibrate of [true, false]) {
      for (const filterBy of ['prune_by_noise_rate', 'prune_by_class', 'both'] as LabelIssueFilter[]) {
        it(`find_label_issues_using_argmax_confusion_matrix(calibrate=${calibrate}, filter_by=${filterBy})`, () => {
          const c = get();
          const labels = c.labels as number[];
          const confidentJoint = argmaxConfusionJoint(labels, c.pred_probs, 3, calibrate);
          assert.deepEqual(findLabelIssueMask(labels, c.pred_probs, 3, { filterBy, confidentJoint }), c.expected_issue_mask);
        });
      }
    }
  });

  it('multi-label find_predicted_neq_given', () => {
    const c = caseNamed(all(), 'test_predicted_neq_given_filter_multilabel');
    assert.deepEqual(findMultiLabelIssueMask(c.labels as number[][], c.pred_probs, { filterBy: 'predicted_neq_given' }), c.expected_issue_mask);
  });

  it('multi-label find_label_issues with the default filter, and a K × 2 × 2 joint', () => {
    const c = caseNamed(all(), 'test_find_label_issues_multi_label_small');
    assert.deepEqual(findMultiLabelIssueMask(c.labels as number[][], c.pred_probs), c.expected_issue_mask);
    const joints = multiLabelConfidentJoints(c.labels as number[][], c.pred_probs);
    assert.deepEqual([joints.length, joints[0].joint.length, joints[0].joint[0].length], c.expected_confident_joint_shape);
  });

  it('num_label_issues: off_diagonal equals the confident_learning mask size; calibrated differs', () => {
    const c = caseNamed(all(), 'test_num_label_issues_different_estimation_types');
    const labels = c.labels as number[];
    const mask = findLabelIssueMask(labels, c.pred_probs, 2, { filterBy: 'confident_learning' });
    const offDiagonal = numLabelIssues(labels, c.pred_probs, 2, 'off_diagonal');
    assert.equal(mask.filter(Boolean).length, offDiagonal);
    assert.notEqual(numLabelIssues(labels, c.pred_probs, 2, 'off_diagonal_calibrated'), offDiagonal);
  });
});
