/**
 * Status lists (W3C Bitstring Status List v1.0): allocating entries for new credentials, changing a
 * credential's status, publishing signed list credentials, and resolving this instance's own lists.
 */
export { allocateStatusEntries, allocateStatusEntriesForMany } from './allocate-status-entries.js'
export type { AllocateManyInput } from './allocate-status-entries.js'
export type { AllocateStatusDeps, AllocateStatusEntriesInput } from './allocate-status-entries.js'
export { changeStatus } from './change-status.js'
export type {
  ChangeStatusInput,
  ChangeStatusResult,
  StatusAction,
  StatusChange,
  StatusChangeResult,
} from './change-status.js'
export { createLocalStatusListResolver } from './local-status-list-resolver.js'
export type { LocalStatusListResolverDeps } from './local-status-list-resolver.js'
export {
  encodeStatusBits,
  getStatusListCredential,
  publishStatusList,
  statusListEtag,
} from './publish-status-list.js'
export type { PublishedStatusList } from './publish-status-list.js'
export type { ResolvedStatusList, StatusListResolver } from './status-list-resolver.js'
export {
  DEFAULT_STATUS_LIST_LIFETIME_MS,
  DEFAULT_STATUS_LIST_TTL_MS,
  MIN_STATUS_LIST_SIZE,
} from './status-options.js'
export type {
  StatusDeps,
  StatusEntry,
  StatusListForm,
  StatusOptions,
  StatusPurpose,
} from './status-options.js'
export { checkStatus, MIN_STATUS_LIST_ENTRIES } from './check-status.js'
export type {
  CheckStatusDeps,
  StatusCheckResult,
  StatusCheckStatus,
  StatusCode,
  StatusEntryResult,
} from './check-status.js'
export { createRemoteStatusListResolver } from './fetch-status-list.js'
export { composeStatusListResolvers } from './compose-resolvers.js'
