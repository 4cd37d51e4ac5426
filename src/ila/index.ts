/** ILA data: the model, reading and checking files, and importing them (see `docs/ila.md`). */
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
