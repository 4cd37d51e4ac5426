/**
 * Status list index allocation: each new credential gets, per status purpose, one uniformly random unused
 * index of the issuer's current list, a list opened under the issuer's current DID.
 *
 * Random, never sequential: with sequential indices a list's set bits would reveal issuance order and
 * neighbours (Bitstring Status List v1.0 §6, privacy considerations). Race-free on both databases without
 * locks in code: the database decides every contested step. The slot's primary key (list, index) decides
 * between two writers probing the same index, the guarded `allocated < capacity` increment decides who gets
 * the last places of a list, and the unique (issuer, purpose, form, sequence) decides who opens the next list.
 */
import { randomInt, randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { NotFoundError, StorageConflictError, ValidationError, type FieldProblem } from '../errors.js'
import type {
  StatusListForm,
  StatusListRecord,
  StatusPurpose,
  Storage,
  StorageSession,
} from '../storage/storage.js'
import {
  capacityOf,
  resolveStatusOptions,
  statusListUrlPrefix,
  type StatusEntry,
  type StatusOptions,
} from './status-options.js'

/** What allocation needs. */
export interface AllocateStatusDeps {
  storage: Storage
  clock: Clock
}

/** The credential about to be issued, and which status purposes it gets. */
export interface AllocateStatusEntriesInput {
  tenantId: string
  /** Storage id of the issuer that will sign the credential (and its lists). */
  issuerId: string
  /** The credential's `id`, decided before signing. */
  credentialId: string
  /** `jose` for `elm` credentials, `di` for `edc` ones. */
  form: StatusListForm
  /** At least one, each at most once. */
  purposes: StatusPurpose[]
  /** Base of this instance's public URLs; new lists are published under `${publicBaseUrl}/status-lists/`. */
  publicBaseUrl: string
  /**
   * The DID the credential will be issued as, when the caller already chose its signer. A key rotation that
   * changed the issuer's DID in between (did:key) is then refused instead of placing the credential in lists
   * of another DID.
   */
  expectedIssuerDid?: string
}

const PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension']
const FORMS: readonly StatusListForm[] = ['jose', 'di']

/**
 * Random probes per list before giving up on it. At most 3 in 4 indices of a list are ever taken, so 64
 * probes all missing has a probability below 1e-8; reaching it means the counter and the slots disagree.
 */
const MAX_PROBES = 64

/**
 * Attempts per allocation. An attempt fails only when a concurrent writer took the last place of a list
 * first, or opened the next list under another issuer DID (a rotation in between), i.e. when somebody else
 * made progress; the bound only stops a livelock that a working database cannot produce.
 */
const MAX_ROUNDS = 64

/**
 * Allocates one status list slot per purpose for a credential that is about to be issued, all in one
 * transaction, and returns the `credentialStatus` entries to put in it. Call it BEFORE signing: the entries
 * are part of what is signed. A slot whose credential is never issued stays 0 forever, like the decoys.
 *
 * The index is uniformly random in the list; when the current list is full (3/4 of its size), or was opened
 * under a DID the issuer no longer has (a `did:key` rotation), the next one is opened under the current DID.
 * Safe with many concurrent calls in one process and across processes sharing one database (PostgreSQL,
 * or one SQLite file).
 *
 * @returns one entry per purpose, in the order of `input.purposes`.
 * @throws ValidationError when the input is incomplete (each problem names the field).
 * @throws NotFoundError when the issuer does not exist or belongs to another tenant.
 * @throws StorageConflictError when the credential already has a slot for one of the purposes.
 * @example
 * ```ts
 * const credentialStatus = await allocateStatusEntries({ storage, clock }, {
 *   tenantId: tenant.id, issuerId: issuer.id, credentialId, form: 'jose',
 *   purposes: ['revocation', 'suspension'], publicBaseUrl: config.publicBaseUrl,
 * })
 * ```
 */
export async function allocateStatusEntries(
  deps: AllocateStatusDeps,
  input: AllocateStatusEntriesInput,
  options?: StatusOptions,
): Promise<StatusEntry[]> {
  const { listSize } = resolveStatusOptions(options)
  checkInput(input)
  const prefix = statusListUrlPrefix(input.publicBaseUrl)
  const now = deps.clock().toISOString()
  // One fixed order for every caller: transactions then take the lists' row locks in the same order, so two
  // concurrent allocations (or an allocation and a status change) cannot deadlock on PostgreSQL.
  const ordered = PURPOSES.filter((purpose) => input.purposes.includes(purpose))

  const request = { ...input, listSize, prefix, now }
  for (let attempt = 0; attempt < MAX_ROUNDS; attempt++) {
    const slots = await tryAllocate(deps.storage, request, ordered)
    if (slots) return input.purposes.map((purpose) => statusEntry(slots.get(purpose) as PickedSlot))
  }
  throw new StorageConflictError(
    `Could not allocate status slots for ${input.credentialId}: status lists kept filling up concurrently`,
  )
}

/**
 * Thrown inside the transaction to roll it back when a concurrent writer changed a list this attempt relied
 * on: it filled up after its slot was picked, or was opened under another issuer DID. The next attempt reads
 * everything afresh.
 */
class ListChangedMeanwhile extends Error {}

interface PickedSlot {
  list: StatusListRecord
  index: number
}

/**
 * One attempt, in one transaction, in two phases. Phase 1 picks a slot per purpose: it opens the list and
 * inserts a random free index, taking no row lock on any list. Phase 2 increments each list's counter with
 * the guarded update, in the fixed purpose order; those updates lock the list rows until commit (the list
 * row is the one contended row of allocation), so keeping them last keeps the time others wait on a list
 * short, and a transaction holding a list lock never waits for anything but another list lock taken in the
 * same order.
 * When a counter is already at capacity (a concurrent writer took the last place) the attempt rolls back,
 * slots included, and the caller tries again.
 *
 * @returns the slots, or undefined when the attempt must be repeated.
 */
async function tryAllocate(
  storage: Storage,
  request: Omit<SlotRequest, 'purpose' | 'issuerDid'>,
  ordered: readonly StatusPurpose[],
): Promise<Map<StatusPurpose, PickedSlot> | undefined> {
  try {
    return await storage.transaction(async (tx) => {
      const issuer = await tx.issuers.get(request.issuerId)
      if (!issuer || issuer.tenantId !== request.tenantId) {
        throw new NotFoundError(`No issuer ${request.issuerId} in tenant ${request.tenantId}`)
      }
      if (request.expectedIssuerDid !== undefined && request.expectedIssuerDid !== issuer.did) {
        throw new StorageConflictError(
          `The issuer's key was rotated while issuing ${request.credentialId}; issue again`,
        )
      }
      const picked = new Map<StatusPurpose, PickedSlot>()
      for (const purpose of ordered)
        picked.set(purpose, await pickSlot(tx, { ...request, issuerDid: issuer.did, purpose }))
      for (const { list } of picked.values()) {
        if (!(await tx.statusLists.reserve(list.id))) throw new ListChangedMeanwhile()
      }
      return picked
    })
  } catch (err) {
    if (err instanceof ListChangedMeanwhile) return undefined
    throw err
  }
}

/** Credentials about to be issued together (a chunk of a cohort batch). */
export interface AllocateManyInput extends Omit<AllocateStatusEntriesInput, 'credentialId'> {
  /** Fresh credential ids, each distinct. */
  credentialIds: string[]
}

/**
 * Like {@link allocateStatusEntries} for many credentials at once, in one transaction: the same uniformly
 * random free indices, but bulk inserts and one guarded counter update per list instead of a round trip per
 * slot, which is what lets a cohort batch issue thousands of credentials a second.
 *
 * @returns for each credential id, in order, one entry per purpose in the order of `input.purposes`.
 */
export async function allocateStatusEntriesForMany(
  deps: AllocateStatusDeps,
  input: AllocateManyInput,
  options?: StatusOptions,
): Promise<StatusEntry[][]> {
  const { listSize } = resolveStatusOptions(options)
  const [first] = input.credentialIds
  if (first === undefined) return []
  checkInput({ ...input, credentialId: first })
  if (new Set(input.credentialIds).size !== input.credentialIds.length) {
    throw new ValidationError('Cannot allocate status entries', [
      { field: 'credentialIds', rule: 'uniqueItems', message: 'credential ids must be distinct' },
    ])
  }
  const prefix = statusListUrlPrefix(input.publicBaseUrl)
  const now = deps.clock().toISOString()
  const ordered = PURPOSES.filter((purpose) => input.purposes.includes(purpose))
  for (let attempt = 0; attempt < MAX_ROUNDS; attempt++) {
    const picked = await tryAllocateMany(
      deps.storage,
      { ...input, credentialId: first, listSize, prefix, now },
      ordered,
    )
    if (picked) {
      return input.credentialIds.map((_, i) =>
        input.purposes.map((purpose) => statusEntry((picked.get(purpose) as PickedSlot[])[i] as PickedSlot)),
      )
    }
  }
  throw new StorageConflictError(
    `Could not allocate status slots for ${input.credentialIds.length} credentials: status lists kept filling up concurrently`,
  )
}

async function tryAllocateMany(
  storage: Storage,
  request: Omit<SlotRequest, 'purpose' | 'issuerDid'> & { credentialIds: string[] },
  ordered: readonly StatusPurpose[],
): Promise<Map<StatusPurpose, PickedSlot[]> | undefined> {
  try {
    return await storage.transaction(async (tx) => {
      const issuer = await tx.issuers.get(request.issuerId)
      if (!issuer || issuer.tenantId !== request.tenantId) {
        throw new NotFoundError(`No issuer ${request.issuerId} in tenant ${request.tenantId}`)
      }
      if (request.expectedIssuerDid !== undefined && request.expectedIssuerDid !== issuer.did) {
        throw new StorageConflictError(`The issuer's key was rotated while issuing a batch; issue again`)
      }
      const picked = new Map<StatusPurpose, PickedSlot[]>()
      // Purposes in the fixed order, lists in sequence order: the same lock order as single allocations.
      for (const purpose of ordered) {
        const slots: PickedSlot[] = []
        while (slots.length < request.credentialIds.length) {
          const list = await openList(tx, { ...request, issuerDid: issuer.did, purpose })
          const take = Math.min(list.capacity - list.allocated, request.credentialIds.length - slots.length)
          const ids = request.credentialIds.slice(slots.length, slots.length + take)
          for (const index of await insertRandomSlots(tx, list, ids, purpose, request.now)) {
            slots.push({ list, index })
          }
          // Counted after the slots, as in single allocation: the list row is locked for the shortest time.
          if (!(await tx.statusLists.reserveMany(list.id, take))) throw new ListChangedMeanwhile()
        }
        picked.set(purpose, slots)
      }
      return picked
    })
  } catch (err) {
    if (err instanceof ListChangedMeanwhile) return undefined
    throw err
  }
}

/**
 * One slot per credential at random free indices of `list`: indices are drawn distinct, inserted in bulk,
 * and drawn again for the ones that turned out taken. Returns the indices in the order of `credentialIds`.
 */
async function insertRandomSlots(
  tx: StorageSession,
  list: StatusListRecord,
  credentialIds: string[],
  purpose: StatusPurpose,
  now: string,
): Promise<number[]> {
  const indices = new Array<number>(credentialIds.length)
  let missing = credentialIds.map((_, i) => i)
  const tried = new Set<number>()
  for (let probe = 0; probe < MAX_PROBES && missing.length > 0; probe++) {
    const draws = missing.map(() => {
      let index: number
      do index = randomInt(list.size)
      while (tried.has(index))
      tried.add(index)
      return index
    })
    const inserted = await tx.statusLists.insertFreeSlots(
      missing.map((at, i) => ({
        listId: list.id,
        index: draws[i] as number,
        credentialId: credentialIds[at] as string,
        purpose,
        value: 0,
        updatedAt: now,
      })),
    )
    const still: number[] = []
    missing.forEach((at, i) => {
      const index = draws[i] as number
      if (inserted.has(index)) indices[at] = index
      else still.push(at)
    })
    missing = still
  }
  if (missing.length > 0) {
    throw new StorageConflictError(`No free ${purpose} status slots found in list ${list.id}`)
  }
  return indices
}

/** The `credentialStatus` entry for slot `index` of `list`. */
function statusEntry({ list, index }: PickedSlot): StatusEntry {
  return {
    id: `${list.url}#${index}`,
    type: list.form === 'di' ? ['BitstringStatusListEntry', 'CredentialStatus'] : 'BitstringStatusListEntry',
    statusPurpose: list.purpose,
    statusListIndex: String(index),
    statusListCredential: list.url,
  }
}

interface SlotRequest {
  tenantId: string
  issuerId: string
  /** The issuer's DID as read in this transaction: the DID new lists are opened under. */
  issuerDid: string
  /** See {@link AllocateStatusEntriesInput.expectedIssuerDid}. */
  expectedIssuerDid?: string
  credentialId: string
  form: StatusListForm
  purpose: StatusPurpose
  listSize: number
  prefix: string
  now: string
}

/** Phase 1 for one purpose: a random free index of the list currently open, inserted as a slot. */
async function pickSlot(tx: StorageSession, request: SlotRequest): Promise<PickedSlot> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const list = await openList(tx, request)
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const index = randomInt(list.size)
      const inserted = await tx.statusLists.insertSlot({
        listId: list.id,
        index,
        credentialId: request.credentialId,
        purpose: request.purpose,
        value: 0,
        updatedAt: request.now,
      })
      if (inserted) return { list, index }
    }
    // The list holds far more slots than its counter says (written by something other than this module);
    // roll over rather than probe forever. Unreachable in practice, so the lock this takes outside the
    // phase-2 order is acceptable.
    await tx.statusLists.markFull(list.id)
  }
  throw new StorageConflictError(`No free ${request.purpose} status slot found for ${request.credentialId}`)
}

/**
 * The list to allocate from: the current one (highest sequence) while it has room and was opened under the
 * issuer's current DID, otherwise the next one, created here. When a concurrent writer creates the same
 * sequence first, its list is used instead.
 */
async function openList(tx: StorageSession, request: SlotRequest): Promise<StatusListRecord> {
  const key = { issuerId: request.issuerId, purpose: request.purpose, form: request.form }
  const current = await tx.statusLists.getCurrent(key)
  // A list is signed as the DID it was opened under, and a verifier requires that DID to be the credential's
  // issuer: after a did:key rotation, new credentials (issued as the new DID) need lists of the new DID.
  if (current && current.allocated < current.capacity && current.issuerDid === request.issuerDid)
    return current
  const id = randomUUID()
  const next: StatusListRecord = {
    id,
    tenantId: request.tenantId,
    issuerId: request.issuerId,
    issuerDid: request.issuerDid,
    purpose: request.purpose,
    form: request.form,
    sequence: (current?.sequence ?? 0) + 1,
    size: request.listSize,
    capacity: capacityOf(request.listSize),
    allocated: 0,
    url: `${request.prefix}${id}`,
    published: null,
    publishedAt: null,
    validUntil: null,
    etag: null,
    // Nothing published yet: the first reader publishes it.
    dirty: true,
    revision: 0,
    publishedRevision: null,
    createdAt: request.now,
  }
  if (await tx.statusLists.createIfAbsent(next)) return next
  // Lost the race for this sequence: the winner has committed (the insert waited for it), so it is visible now.
  const winner = await tx.statusLists.getCurrent(key)
  if (!winner)
    throw new StorageConflictError(`Status list ${next.sequence} of issuer ${request.issuerId} vanished`)
  // The winner read the issuer's DID on the other side of a rotation (possible on PostgreSQL, where each
  // statement sees the latest commit): its list must not serve a credential issued as this DID.
  if (winner.issuerDid !== request.issuerDid) throw new ListChangedMeanwhile()
  return winner
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== ''
}

function checkInput(input: AllocateStatusEntriesInput): void {
  const problems: FieldProblem[] = []
  for (const field of ['tenantId', 'issuerId', 'credentialId'] as const) {
    if (!nonEmpty(input[field]))
      problems.push({ field, rule: 'required', message: `${field} must be a non-empty string` })
  }
  if (!FORMS.includes(input.form)) {
    problems.push({ field: 'form', rule: 'enum', message: `form must be one of ${FORMS.join(', ')}` })
  }
  if (!Array.isArray(input.purposes) || input.purposes.length === 0) {
    problems.push({
      field: 'purposes',
      rule: 'minItems',
      message: 'purposes must name at least one status purpose',
    })
  } else {
    input.purposes.forEach((purpose, i) => {
      if (!PURPOSES.includes(purpose)) {
        problems.push({
          field: `purposes/${i}`,
          rule: 'enum',
          message: `purpose must be one of ${PURPOSES.join(', ')}`,
        })
      } else if (input.purposes.indexOf(purpose) !== i) {
        problems.push({
          field: `purposes/${i}`,
          rule: 'uniqueItems',
          message: `purpose ${purpose} is listed twice`,
        })
      }
    })
  }
  if (!isHttpUrl(input.publicBaseUrl)) {
    problems.push({
      field: 'publicBaseUrl',
      rule: 'format',
      message: 'publicBaseUrl must be an http(s) URL without query or fragment',
    })
  }
  if (problems.length > 0) throw new ValidationError('Cannot allocate status entries', problems)
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === ''
  } catch {
    return false
  }
}
