// The engine functions the extension host itself calls (discovery, the record index, exports, thumbnails). Built
// as its own bundle (dist/hostEngine.js) and loaded on first use through `hostEngine()`, so activation does not pay
// for ajv, csv-parse, protobufjs or sharp's native module.
export { allRules } from '../engine/checks';
export { CONFIG_FILE_NAME, loadConfigNear, resolveConfig } from '../engine/config/config';
export { discoverDatasets } from '../engine/dataset/discover';
export { loadDataset } from '../engine/dataset/loadDataset';
export { exportReweighing } from '../engine/mitigation/exportReweighing';
export { discoverModels } from '../engine/model/discoverModels';
export { metadataModelConfig, readSidecar } from '../engine/model/modelSpec';
export { inspectModel } from '../engine/model/onnxModel';
export { renderMarkdown } from '../engine/report/markdownReport';
export { reportFiles } from '../engine/report/reportFiles';
export { safeName } from '../engine/report/documentFiles';
export { renderSarif } from '../engine/report/sarifReport';
export { renderShiftMarkdown } from '../engine/report/shiftMarkdown';
export { default as sharp } from 'sharp';
