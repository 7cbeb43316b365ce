// The rules the model audit can emit (FF-M…). Ids are stable and documented in the README.
import type { RuleInfo } from '../checks/check';

function rule(id: string, name: string, defaultSeverity: RuleInfo['defaultSeverity'], description: string): RuleInfo {
  return { id, name, description, defaultSeverity };
}

export const MODEL_RULES = {
  unusable: rule('FF-M001', 'model-unusable', 'error',
    'The model cannot be audited: the file is not a readable ONNX model, its input cannot be produced from images, or its labels cannot be matched to the dataset.'),
  unknownLabels: rule('FF-M002', 'labels-unknown-to-model', 'warning',
    "Some images carry labels the model does not predict; they are left out of the model's metrics. Map them with `models[].labelMap` or fix the labels."),
  preprocessingAssumed: rule('FF-M003', 'preprocessing-assumed', 'info',
    'The model does not declare its preprocessing (in metadata_props, a sidecar <model>.json or fairframe.json); defaults were assumed and may be wrong.'),
  imagesNotInferred: rule('FF-M004', 'images-not-inferred', 'warning',
    'Some images could not be read or preprocessed for the model; they are left out of its metrics.'),
  trainingSplit: rule('FF-M005', 'audited-training-split', 'warning',
    'The audited split is the one the model was trained on: its metrics are optimistic and its label-error scores are not out-of-sample.'),
  nonFiniteOutput: rule('FF-M007', 'model-output-non-finite', 'error',
    "The model's output holds NaN or ±Infinity for some images; they are left out of its metrics, which describe only the rest."),
  performance: rule('FF-M006', 'model-performance', 'info',
    'The model\'s overall accuracy, balanced accuracy and calibration on the audited images, with confidence intervals.'),
  unknownIntersection: rule('FF-M008', 'intersection-unknown-attribute', 'warning',
    'An intersection listed under `intersections` in fairframe.json names an attribute the dataset does not have; that intersection is not audited.'),
  accuracyGap: rule('FF-M010', 'accuracy-gap', 'warning',
    'Accuracy differs between the groups of a sensitive attribute by more than `maxAccuracyDifference` (worst-group accuracy, accuracy parity).'),
  errorRateRatio: rule('FF-M011', 'error-rate-ratio', 'warning',
    "The worst group's error rate is more than `maxErrorRateRatio` times the best group's (the Gender Shades comparison)."),
  demographicParity: rule('FF-M012', 'demographic-parity', 'warning',
    'The rate at which a class is predicted differs between groups by more than `maxDemographicParityDifference` (one class against the rest).'),
  equalizedOdds: rule('FF-M013', 'equalized-odds', 'warning',
    'The true- or false-positive rate of a class differs between groups by more than `maxEqualizedOddsDifference`.'),
  equalOpportunity: rule('FF-M014', 'equal-opportunity', 'warning',
    'The true-positive rate (recall) of a class differs between groups by more than `maxEqualOpportunityDifference`.'),
  disparateImpact: rule('FF-M015', 'disparate-impact', 'warning',
    'The selection rate of a class in one group is below `minDisparateImpactRatio` (the four-fifths rule) of the highest group\'s.'),
  calibrationGap: rule('FF-M016', 'calibration-gap', 'warning',
    'The expected calibration error differs between groups by more than `maxCalibrationDifference`: confidence means different things for different groups.'),
  smallGroups: rule('FF-M017', 'groups-too-small', 'info',
    'Groups with fewer than `minMetricGroupSize` audited images: their figures are shown with wide intervals and are not ranked.'),
  labelIssue: rule('FF-M020', 'likely-label-error', 'warning',
    "Confident learning flags the image as probably mislabelled: the model is confidently sure of another class. Only the top of the ranking is reported image by image, fewer the more often the model disagrees with the labels (none at `labelIssueMaxModelError`), and as information once that rate passes half of it."),
  labelNoise: rule('FF-M023', 'label-noise-estimate', 'info',
    "Confident learning's estimated noise rate (the calibrated confident joint's off-diagonal mass) and the number of images it flags, with how many are reported one by one; every flagged image is in the ranked list of the report and dashboard."),
  embeddingDuplicates: rule('FF-M021', 'embedding-duplicates', 'warning',
    'Images whose model embeddings are near-identical (cosine at least `embeddingDuplicateCosine`) carry different labels or sit in different splits.'),
  embeddingNotDiscriminative: rule('FF-M022', 'embedding-not-discriminative', 'info',
    "The model's embedding puts too many pairs of images above `embeddingDuplicateCosine` to single out duplicates (a classifier's features cluster by class); embedding duplicates are not reported. The pixel-hash duplicates (FF-D020, FF-D021) still are."),
  saliencyOffObject: rule('FF-M030', 'saliency-off-object', 'warning',
    "The share of the model's saliency that falls inside the object mask (the lesion) differs between groups by more than `maxSaliencyMaskGap`: for some groups the model looks elsewhere."),
  explanationSanity: rule('FF-M031', 'explanation-fails-sanity', 'info',
    "The explanation maps barely change when the model's classifier is randomised (mean Spearman ρ ≥ 0.5): they reflect the image more than what the model learned, so read them with care."),
  predictionRowsUnmatched: rule('FF-M050', 'prediction-rows-unmatched', 'warning',
    'Rows of a predictions file name no image of the dataset (paths are matched relative to the dataset root, to the predictions file, as absolute paths, and by file name when only one image has it), or repeat an image already named.'),
  imagesWithoutPrediction: rule('FF-M051', 'images-without-prediction', 'warning',
    "Images of the audited split have no row in the predictions file; they are left out of the model's metrics."),
  probabilitiesRenormalised: rule('FF-M052', 'probabilities-renormalised', 'warning',
    'Rows of a predictions file hold probabilities whose sum is off 1 by more than 0.001; each row was divided by its sum. If the columns are not probabilities (scores, logits), name them logit_<class> or give probabilities.'),
  predictionRowsInvalid: rule('FF-M053', 'prediction-rows-invalid', 'warning',
    'Rows of a predictions file cannot be read (no path, a value that is not a finite number, a negative probability, a line too long) and are skipped.'),
  needsModel: rule('FF-M054', 'needs-model', 'info',
    'An audit from a predictions file cannot explain decisions, find embedding duplicates or test robustness (they need the model), and from predicted labels alone it cannot measure calibration, AUC or label issues (they need probabilities).'),
} as const;

/** Every model-audit rule, in id order. */
export function modelRules(): RuleInfo[] {
  return Object.values(MODEL_RULES).sort((a, b) => a.id.localeCompare(b.id));
}
