// Self-contained HTML reports (drift, experiments) and the HTML/SVG building blocks the dashboard shares.
export { renderDriftReport, type DriftReportInput, type DriftRow } from './drift-report';
export { renderExperimentReport, type ExperimentReportOptions } from './experiment-report';
export {
  histogramOf,
  loadCurrentColumns,
  loadDriftHistory,
  loadDriftReportData,
  type DriftEventPoint,
  type DriftReportData,
  type FeatureHistogram,
} from './drift-data';
export {
  loadExperimentReportData,
  reconstructLooks,
  type ExperimentLook,
  type ExperimentReportData,
} from './experiment-data';
