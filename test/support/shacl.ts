/**
 * The EDC SHACL validation the tests use: the verifier's own (`src/verifier/shacl/validate-edc-shacl.ts`),
 * re-exported so that tests keep one import path.
 */
export {
  EDC_SHAPE_FILES,
  flattenResults,
  PREFIXES,
  validateEdcShacl,
  type ShaclReport,
  type ShaclResult,
} from '../../src/verifier/shacl/validate-edc-shacl.js'
