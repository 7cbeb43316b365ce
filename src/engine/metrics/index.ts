// Classification, calibration, group-fairness metrics and their bootstrap intervals: the model audit's numbers.
export * from './metricValues';
export * from './classificationMetrics';
export * from './rocAuc';
export * from './calibration';
export * from './metricFrame';
export * from './bootstrap';
export * from './countBootstrap';
export { mulberry32 } from './seededRandom';
