// The WebAssembly kernels' entry (AssemblyScript): `npm run build:kernels` compiles this module and what it
// exports into src/engine/kernels/kernelsWasm.ts, which src/engine/kernels/wasmKernels.ts loads.
export { alignedCorrelation, alignment, firstLook, verifyRest, medianLevel, phaseGrids, prepare, prepareInput, prepareOutput, ranked, rankShifts, shiftedCorrelation, slotA, slotB, smooth, zoomAround, zoomRowsOfB, zoomed } from './correlation';
export { hashesOutput, layoutCells, layoutOutput, projectionHashes, spectrumMagnitudes, spectrumOutput, table, thumbnailInput, vectorInput } from './signatures';
export { MEMORY_END } from './memory';
export { maxWindow, scoreBlock, scoreLayoutCosines, scoreLayouts, scoreRows, scoreSpectra, scoreSpectrumCosines } from './scoring';
