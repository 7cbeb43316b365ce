// Label-error detection (confident learning), ranking metrics and embedding near-duplicates.
export * from './confidentJoint';
export * from './labelQualityScores';
export * from './confidentLearning';
export * from './multiLabelIssues';
export * from './averagePrecision';
