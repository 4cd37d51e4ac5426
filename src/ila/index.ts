/**
 * ILA data: the model, reading, checking and importing files, linking credentials to spending records, a
 * synthetic demo scheme, and the reconciliation report (see `docs/ila.md`).
 */
export * from './model.js'
export {
  importIla,
  MAX_REPORTED_PROBLEMS as MAX_ILA_REPORTED_PROBLEMS,
  MAX_REPORTED_ROWS as MAX_ILA_REPORTED_ROWS,
  type IlaImportDeps,
  type IlaImportInput,
  type IlaImportReport,
} from './import.js'
export {
  readIlaRows,
  ilaCsvHeader,
  ilaCsvRow,
  ILA_CSV_COLUMNS,
  type IlaFileFormat,
  type IlaInputRow,
  type IlaCsvColumn,
  type IlaCsvCellType,
} from './read-rows.js'
export { checkIlaItem, catalogueKeyText, ILA_SCHEMA_FILES, type IlaItem, type IlaItemOf } from './validate.js'
export {
  providerToStored,
  providerFromStored,
  catalogueToStored,
  catalogueFromStored,
  recordToStored,
  recordFromStored,
} from './stored.js'
export {
  linkCredentials,
  ILA_LINK_OUTCOMES,
  type IlaLinkDeps,
  type IlaLinkInput,
  type IlaLinkPair,
  type IlaLinkResult,
  type IlaLinkSummary,
} from './link.js'
export { DEFAULT_ILA_LINK_OPTIONS, type IlaLinkOptions } from './link-rules.js'
export { readCredentialTexts, type CredentialTextSource } from './read-credentials.js'
export { credentialFacts, type IlaCredentialFacts } from './credential-facts.js'
export {
  parseIlaCommitment,
  commitmentMatches,
  linkTokenDigestBytes,
  type IlaCommitment,
} from './commitment.js'
export {
  generateIlaDemo,
  ILA_DEMO_FILES,
  ILA_DEMO_MAX_RECORDS,
  ILA_DEMO_MIN_RECORDS,
  type IlaDemoAnswer,
  type IlaDemoDeps,
  type IlaDemoInput,
  type IlaDemoResult,
} from './demo.js'
export {
  reconcile,
  suppressSmallCells,
  DEFAULT_ANOMALY_LIMIT as DEFAULT_ILA_REPORT_ANOMALY_LIMIT,
  DEFAULT_LIST_LIMIT as DEFAULT_ILA_REPORT_LIST_LIMIT,
  type AmountSummary,
  type Anomaly,
  type AnomalyCount,
  type Count,
  type CourseStats,
  type MonitoringMetrics,
  type ProviderStats,
  type ReconcileDeps,
  type ReconcileInput,
  type ReconciliationReport,
  type ReportDenominators,
  type ReportMatch,
  type ReportSummary,
  type UnmatchedCredential,
  type UnmatchedCredentialReason,
  type UnmatchedSpending,
  type UnmatchedSpendingReason,
} from './reconcile.js'
export {
  renderReport,
  reportToCsv,
  reportToHtml,
  reportToJson,
  REPORT_FORMATS,
  REPORT_MEDIA_TYPES,
  type ReportFormat,
} from './render-report.js'
export {
  DEFAULT_THRESHOLDS as DEFAULT_ILA_REPORT_THRESHOLDS,
  SIGNALS as ILA_SIGNALS,
  SIGNAL_CODES as ILA_SIGNAL_CODES,
  type AnomalySeverity,
  type SignalDefinition,
} from './signals.js'
