/**
 * Revoking, suspending and unsuspending issued credentials: a batch of bit changes committed together with
 * their audit events, then one re-publication per list the batch touched.
 */
import { randomUUID } from 'node:crypto'
import {
  NotFoundError,
  StatusNotSupportedError,
  StatusTransitionError,
  ValidationError,
  type FieldProblem,
} from '../errors.js'
import { getTenant } from '../issuer/issuer-identity.js'
import type { CredentialStatusSlot, StatusAction, StatusListRecord } from '../storage/storage.js'
import { publishStatusList } from './publish-status-list.js'
import type { StatusDeps, StatusOptions, StatusPurpose } from './status-options.js'

export type { StatusAction }

/** One requested change. */
export interface StatusChange {
  /** The credential's `id`, as allocated. */
  credentialId: string
  action: StatusAction
  /** Why; required (non-blank) for `revoke` and `suspend`, optional for `unsuspend`. Kept in the audit log. */
  reason?: string
}

/** A batch of status changes for one tenant, and who asks for it. */
export interface ChangeStatusInput {
  tenantSlug: string
  /** Applied in order; a later change of the same credential sees the earlier ones. */
  changes: StatusChange[]
  /** Who asks (an operator name, an API client id): recorded in the audit log. */
  actor: string
}

/** What one change did. */
export interface StatusChangeResult {
  credentialId: string
  action: StatusAction
  statusPurpose: StatusPurpose
  statusListCredential: string
  statusListIndex: string
  /** `unchanged` when the bit already had the requested value (e.g. revoking twice): nothing was written. */
  outcome: 'changed' | 'unchanged'
}

/** What {@link changeStatus} did. */
export interface ChangeStatusResult {
  /** One result per requested change, in the order of the request. */
  changed: StatusChangeResult[]
  /** URLs of the lists re-published, each once, whatever number of changes it received. */
  publishedLists: string[]
}

const ACTIONS: readonly StatusAction[] = ['revoke', 'suspend', 'unsuspend']

const PURPOSE_OF: Readonly<Record<StatusAction, StatusPurpose>> = {
  revoke: 'revocation',
  suspend: 'suspension',
  unsuspend: 'suspension',
}

/** Lock order of lists; must be the order allocation takes them in (revocation first). */
const PURPOSE_RANK: Readonly<Record<StatusPurpose, number>> = { revocation: 0, suspension: 1 }

/**
 * Applies a batch of status changes for one tenant, all or nothing, and re-publishes every list it touched
 * once. `revoke` is final: it sets the revocation bit, and a revoked credential refuses any later suspension
 * change. `suspend` sets and `unsuspend` clears the suspension bit. Each effective change appends an audit
 * event (actor, time, action, reason, credential, list, index); a change that finds the bit already as
 * requested writes nothing and is reported `unchanged`.
 *
 * The changes are committed before the lists are signed; should publishing fail, the lists stay dirty and
 * the next read of each (e.g. through the local resolver) publishes it.
 *
 * @throws ValidationError when a change lacks a needed `reason` (field `/changes/<i>/reason`), or the batch is
 *   otherwise malformed; nothing is written.
 * @throws NotFoundError when the tenant is unknown, or a credential is unknown or belongs to another tenant
 *   (the two are indistinguishable on purpose).
 * @throws StatusNotSupportedError when a credential was issued without the status entry a change needs.
 * @throws StatusTransitionError when a change would alter a revoked credential's suspension.
 * @example
 * ```ts
 * await changeStatus(deps, {
 *   tenantSlug: 'zed',
 *   actor: 'registrar@zed.example.edu',
 *   changes: [{ credentialId, action: 'revoke', reason: 'Awarded in error' }],
 * })
 * ```
 */
export async function changeStatus(
  deps: StatusDeps,
  input: ChangeStatusInput,
  options?: StatusOptions,
): Promise<ChangeStatusResult> {
  const changes = checkInput(input)
  const tenant = await getTenant(deps.storage, input.tenantSlug)
  const at = deps.clock().toISOString()
  const batchId = randomUUID()

  const { results, touched } = await deps.storage.transaction(async (tx) => {
    const touched = new Map<string, StatusListRecord>()
    const results: StatusChangeResult[] = new Array<StatusChangeResult>(changes.length)
    // Applied by credential id (stable, so one credential's changes keep their order): two concurrent batches
    // then lock slot rows in the same order. Results and audit positions keep the order of the request.
    const order = changes
      .map((_, i) => i)
      .sort((a, b) => compare(changes[a].credentialId, changes[b].credentialId) || a - b)
    for (const position of order) {
      const change = changes[position]
      const slots = await tx.statusLists.getSlotsByCredential(change.credentialId)
      const record = await tx.credentials.get(change.credentialId)
      const owned =
        slots.every((s) => s.list.tenantId === tenant.id) &&
        (record ? record.tenantId === tenant.id : slots.length > 0)
      // One message for "unknown" and "someone else's": the answer must not tell other tenants' ids apart.
      if (!owned) throw new NotFoundError(`No credential ${change.credentialId} in tenant ${tenant.slug}`)

      const purpose = PURPOSE_OF[change.action]
      if (change.action !== 'revoke' && bitOf(slots, 'revocation') === 1) {
        throw new StatusTransitionError(
          `Credential ${change.credentialId} is revoked; its status can no longer change`,
        )
      }
      const target = slots.find((s) => s.slot.purpose === purpose)
      if (!target) {
        throw new StatusNotSupportedError(
          `Credential ${change.credentialId} was issued without a ${purpose} status entry`,
        )
      }
      const value = change.action === 'unsuspend' ? 0 : 1
      const { list, slot } = target
      const changed = await tx.statusLists.setSlotValue(list.id, slot.index, value, at)
      if (changed) {
        touched.set(list.id, list)
        await tx.statusLists.appendEvent({
          id: randomUUID(),
          tenantId: tenant.id,
          credentialId: change.credentialId,
          listId: list.id,
          index: slot.index,
          purpose,
          action: change.action,
          value,
          reason: change.reason,
          actor: input.actor.trim(),
          at,
          batchId,
          position,
        })
      }
      results[position] = {
        credentialId: change.credentialId,
        action: change.action,
        statusPurpose: purpose,
        statusListCredential: list.url,
        statusListIndex: String(slot.index),
        outcome: changed ? 'changed' : 'unchanged',
      }
    }
    // Same order as allocation takes list rows in, so that this batch and concurrent allocations cannot
    // wait on each other in a cycle (PostgreSQL row locks).
    const ordered = [...touched.values()].sort(
      (a, b) =>
        PURPOSE_RANK[a.purpose] - PURPOSE_RANK[b.purpose] ||
        compare(a.issuerId, b.issuerId) ||
        a.sequence - b.sequence ||
        compare(a.id, b.id),
    )
    for (const list of ordered) await tx.statusLists.markChanged(list.id)
    return { results, touched: ordered }
  })

  // After the commit, and once per list: signing must not hold the transaction (or its locks) open, and a
  // batch of a thousand changes to one list is one new list credential, not a thousand.
  const publishedLists: string[] = []
  for (const list of touched) {
    const published = await publishStatusList(deps, list.id, options)
    publishedLists.push(published.url)
  }
  return { changed: results, publishedLists }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function bitOf(slots: CredentialStatusSlot[], purpose: StatusPurpose): 0 | 1 | undefined {
  return slots.find((s) => s.slot.purpose === purpose)?.slot.value
}

/** A change with its reason normalized: trimmed, or null when absent. */
interface CheckedChange {
  credentialId: string
  action: StatusAction
  reason: string | null
}

function checkInput(input: ChangeStatusInput): CheckedChange[] {
  const problems: FieldProblem[] = []
  if (typeof input.tenantSlug !== 'string' || input.tenantSlug === '') {
    problems.push({ field: 'tenantSlug', rule: 'required', message: 'tenantSlug must be a non-empty string' })
  }
  if (typeof input.actor !== 'string' || input.actor.trim() === '') {
    problems.push({ field: 'actor', rule: 'required', message: 'actor must name who requests the change' })
  }
  if (!Array.isArray(input.changes) || input.changes.length === 0) {
    problems.push({ field: '/changes', rule: 'minItems', message: 'changes must list at least one change' })
  }
  const changes: CheckedChange[] = []
  for (const [i, change] of (Array.isArray(input.changes) ? input.changes : []).entries()) {
    const at = `/changes/${i}`
    if (typeof change.credentialId !== 'string' || change.credentialId === '') {
      problems.push({
        field: `${at}/credentialId`,
        rule: 'required',
        message: 'credentialId must be a non-empty string',
      })
    }
    if (!ACTIONS.includes(change.action)) {
      problems.push({
        field: `${at}/action`,
        rule: 'enum',
        message: `action must be one of ${ACTIONS.join(', ')}`,
      })
    }
    const reason = typeof change.reason === 'string' ? change.reason.trim() : undefined
    if (change.reason !== undefined && typeof change.reason !== 'string') {
      problems.push({ field: `${at}/reason`, rule: 'type', message: 'reason must be a string' })
    } else if (change.action !== 'unsuspend' && (reason === undefined || reason === '')) {
      problems.push({
        field: `${at}/reason`,
        rule: 'required',
        message: `a reason is required to ${change.action}`,
      })
    }
    changes.push({ credentialId: change.credentialId, action: change.action, reason: reason || null })
  }
  if (problems.length > 0) throw new ValidationError('Invalid status change request', problems)
  return changes
}
