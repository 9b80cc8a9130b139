import Foundation
import Integrations
import OrderDomain
import StorageSupport
import SyncCore

/// What a transaction of central's own changes committed.
struct AuthoringResult<Output: Sendable>: Sendable {
    var output: Output
    var headVersion: Int64
    /// Effects newly recorded (the runner should look for due work).
    var effectsRecorded: Int
}

/// An effect handed to the runner: the record as claimed, and whether an earlier attempt was
/// still in flight when central stopped (its answer was lost).
struct ClaimedEffect: Sendable {
    var record: EffectRecord
    var answerWasLost: Bool
}

extension NodeRecord {
    /// Central itself, as the "node" of its own changes in the ledger and the audit trail.
    static let central = NodeRecord(
        name: ChangeValidator.centralNodeID, shop: "", nodeID: ChangeValidator.centralNodeID, createdAt: "",
        boundAt: nil, revokedAt: nil, lastSettledSequence: 0)
}

extension CentralStore {
    /// Attempts before a transient failure parks the effect as failed.
    static let maximumAttempts = 8

    /// Runs `body` in ONE immediate transaction in which central may author changes: the
    /// changes, their log entries, outcomes, the effects they cause and whatever `body` writes
    /// commit together or not at all.
    func authoring<Output: Sendable>(
        planner: EffectPlanner, _ body: (any SQLConnection, inout CentralAuthoring) throws -> Output
    ) throws(CentralError) -> AuthoringResult<Output> {
        let nowMillis = wallClockMillis()
        let receivedAt = Timestamp.format(millis: nowMillis)
        let cache = self.cache
        let processor = self.processor
        do {
            return try database.writeWithoutTransaction { writer in
                cache.enter()
                defer { cache.leave() }
                var changed: [String: OrderMergeState] = [:]
                var clock = cache.clock
                var sequence = cache.centralSequence
                let result = try writer.transaction { conn in
                    try cache.synchronize(conn)
                    var authoring = CentralAuthoring(
                        conn: conn,
                        ledger: PushLedger(
                            conn: conn, cache: cache, node: .central, nodeID: ChangeValidator.centralNodeID,
                            lastSettled: cache.centralSequence, receivedAt: receivedAt),
                        clock: cache.clock, sequence: cache.centralSequence, nowMillis: nowMillis, processor: processor,
                        planner: planner)
                    let output = try body(conn, &authoring)
                    let recorded = try Self.record(conn, authoring.effects, nowMillis: nowMillis)
                    try authoring.ledger.flush()
                    if !authoring.ledger.logEntries.isEmpty {
                        try announceLogAdvance(
                            conn, head: authoring.ledger.headVersion,
                            shops: try Self.shops(
                                conn, ofOrders: Set(authoring.ledger.logEntries.map(\.change.orderID))))
                    }
                    try conn.execute(
                        "UPDATE central_state SET hlc_last = ?, head_version = ?, central_sequence = ?",
                        authoring.clock.last, authoring.ledger.headVersion, authoring.sequence)
                    clock = authoring.clock
                    sequence = authoring.sequence
                    changed = authoring.ledger.changedOrders
                    return AuthoringResult(
                        output: output, headVersion: authoring.ledger.headVersion, effectsRecorded: recorded)
                }
                // Committed: the cache takes the changes before the next writer starts.
                cache.commit(changed, clock: clock, headVersion: result.headVersion)
                cache.centralSequence = sequence
                return result
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Records planned effects; a cause records each kind once (UNIQUE), so planning the same
    /// cause again records nothing. The number recorded.
    static func record(_ conn: any SQLConnection, _ drafts: [EffectDraft], nowMillis: UInt64) throws -> Int {
        guard !drafts.isEmpty else { return 0 }
        let now = Timestamp.format(millis: nowMillis)
        var recorded = 0
        // One statement each, not a batch: the count of rows each inserted is needed.
        for draft in drafts {
            recorded += try conn.execute(
                """
                INSERT INTO effects (id, cause, kind, order_id, request_id, parameters, state,
                  next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, EffectDraft.newID(), draft.cause, draft.kind.rawValue, draft.orderID, draft.requestID,
                JSONValue.object(draft.parameters).canonicalString, Int64(nowMillis), now, now)
        }
        return recorded
    }

    // MARK: Running

    /// Takes up to `limit` due effects (not in `running`) for the runner: marks each in flight
    /// and counts the attempt, durably, before any provider is called.
    func claimDueEffects(excluding running: Set<String>, limit: Int) throws(CentralError) -> [ClaimedEffect] {
        let nowMillis = wallClockMillis()
        do {
            return try database.write { conn in
                let candidates = try conn.fetchAll(
                    """
                    SELECT * FROM effects WHERE state = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, created_at LIMIT ?
                    """,
                    [.integer(Int64(nowMillis)), .integer(Int64(limit + running.count))]
                ).map(Self.effect).filter { !running.contains($0.id) }.prefix(limit)
                var claimed: [ClaimedEffect] = []
                var updates: [[SQLValue]] = []
                for var record in candidates {
                    let lost = record.inFlight
                    record.inFlight = true
                    record.attempts += 1
                    record.updatedAt = Timestamp.format(millis: nowMillis)
                    record.firstAttemptAt = record.firstAttemptAt ?? Int64(nowMillis)
                    updates.append([
                        .integer(Int64(record.attempts)), record.firstAttemptAt.sqlValue, .text(record.updatedAt),
                        .text(record.id),
                    ])
                    claimed.append(ClaimedEffect(record: record, answerWasLost: lost))
                }
                try conn.executeMany(
                    "UPDATE effects SET in_flight = 1, attempts = ?, first_attempt_at = ?, updated_at = ? WHERE id = ?",
                    updates)
                return claimed
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// When the next pending effect falls due (milliseconds since 1970), if any.
    func nextEffectDue() throws(CentralError) -> Int64? {
        do {
            return try database.read { conn in
                try conn.fetchValue("SELECT min(next_attempt_at) FROM effects WHERE state = 'pending'")
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Records what an attempt came to, and the central changes that answer it, in one
    /// transaction. An effect no longer pending (cancelled meanwhile) is left as it is.
    func settle(
        _ effectID: String, _ attempt: EffectAttempt, planner: EffectPlanner, retryJitter: Double = .random(in: 0..<1)
    )
        throws(CentralError) -> AuthoringResult<EffectState?>
    {
        try authoring(planner: planner) { conn, authoring in
            guard let row = try conn.fetchOne("SELECT * FROM effects WHERE id = ?", [.text(effectID)]) else {
                return nil
            }
            let effect = try Self.effect(row)
            guard effect.state == .pending else { return nil }
            let now = Timestamp.format(millis: authoring.nowMillis)
            var state: EffectState
            var message: String?
            var nextAttempt = Int64(authoring.nowMillis)
            var result: [String: JSONValue]?
            var keyGeneration = effect.keyGeneration
            switch attempt {
            case .succeeded(let answer):
                state = .succeeded
                result = EffectAnswers.publish(answer, of: effect, into: &authoring)
            case .retry(let after, let reason, let newKey):
                if newKey { keyGeneration += 1 }
                if effect.attempts >= Self.maximumAttempts {
                    state = .failed
                    message = "gave up after \(effect.attempts) attempts: \(reason)"
                    EffectAnswers.publishFailure(of: effect, state: .failed, message: message!, into: &authoring)
                } else {
                    state = .pending
                    message = reason
                    nextAttempt += Self.retryDelayMillis(
                        attempts: effect.attempts, retryAfter: after, jitter: retryJitter)
                }
            case .unknown(let reason):
                message = reason
                let logID = EffectAnswers.publishFailure(of: effect, state: .unknown, message: reason, into: &authoring)
                result = logID.map { ["communication_log_id": .string($0)] }
                if Self.sendsAgainOnce(effect) {
                    // SendGridAPI.lostAnswerPolicy: one more send after the settling time, unless
                    // an event from SendGrid proves the first one went out (CentralStore+Webhooks).
                    state = .pending
                    keyGeneration += 1
                    nextAttempt += Int64(SendGridAPI.unknownSettlingTime.components.seconds * 1000)
                    message =
                        reason
                        + "; sent once more at \(Timestamp.format(millis: UInt64(nextAttempt)))"
                        + " unless SendGrid reports it"
                } else {
                    state = .unknown
                }
            case .failed(let reason):
                state = .failed
                message = reason
                let logID = EffectAnswers.publishFailure(of: effect, state: .failed, message: reason, into: &authoring)
                result = logID.map { ["communication_log_id": .string($0)] }
            case .notConfigured(let provider):
                state = .failed
                message = IntegrationsConfiguration.notConfigured(provider) + "; nothing was sent"
                EffectAnswers.publishFailure(
                    of: effect, state: .failed, message: message!, requestState: .notConfigured, into: &authoring)
            }
            try conn.execute(
                """
                UPDATE effects SET state = ?, in_flight = 0, next_attempt_at = ?, key_generation = ?,
                  provider_ref = coalesce(?, provider_ref), result = coalesce(?, result), message = ?,
                  updated_at = ?
                WHERE id = ?
                """,
                state.rawValue, nextAttempt, keyGeneration, Self.providerRef(attempt),
                result.map { JSONValue.object($0).canonicalString }, message, now, effectID)
            if state != .pending || effect.attempts == 1 {
                try Self.appendAudit(conn, Self.auditEntry(effect: effect, state: state, message: message, at: now))
            }
            return state
        }
    }

    /// A lost e-mail the customer needs is sent once more (SendGridAPI.lostAnswerPolicy); a
    /// courtesy one is left unknown.
    static func sendsAgainOnce(_ effect: EffectRecord) -> Bool {
        guard effect.kind == .mail, effect.keyGeneration == 0, let name = effect.text("template"),
            let template = CustomerEmail(rawValue: name)
        else { return false }
        return SendGridAPI.lostAnswerPolicy(for: template) == .sendAgainOnce
    }

    private static func providerRef(_ attempt: EffectAttempt) -> String? {
        if case .succeeded(let answer) = attempt { return answer.providerRef }
        return nil
    }

    /// Exponential backoff with full jitter: 1 s × 2^(attempts − 1), at most 5 minutes, a
    /// random part of it; never sooner than the provider's Retry-After.
    package static func retryDelayMillis(attempts: Int, retryAfter: Duration?, jitter: Double) -> Int64 {
        let ceiling = min(300_000, 1000 << min(max(attempts - 1, 0), 20))
        let backoff = Int64(Double(ceiling) * (0.5 + jitter / 2))
        let floor = retryAfter.map { Int64($0.components.seconds * 1000) } ?? 0
        return max(backoff, floor)
    }

    static func auditEntry(effect: EffectRecord, state: EffectState, message: String?, at now: String) -> AuditEntry {
        var detail =
            "\(effect.kind.rawValue) \(effect.id) (\(effect.cause)) attempt \(effect.attempts): \(state.rawValue)"
        if let message { detail += ": " + message }
        return AuditEntry(
            receivedAt: now, kind: .effect, person: ChangeValidator.centralNodeID,
            nodeName: ChangeValidator.centralNodeID, orderID: effect.orderID, entity: nil,
            operation: effect.kind.rawValue,
            outcome: state.rawValue, detail: String(detail.prefix(4000)), eventID: nil)
    }

    // MARK: Operators (`kct central effects`)

    /// Effects, newest first; `states` empty means all.
    package func effects(states: Set<EffectState> = [], orderID: String? = nil, limit: Int = 100) throws(CentralError)
        -> [EffectRecord]
    {
        do {
            return try database.read { conn in
                var conditions: [String] = []
                var arguments: [SQLValue] = []
                if !states.isEmpty {
                    conditions.append("state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
                    for state in states.map(\.rawValue).sorted() { arguments.append(.text(state)) }
                }
                if let orderID {
                    conditions.append("order_id = ?")
                    arguments.append(.text(try Self.orderID(conn, reference: orderID)))
                }
                let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                return try conn.fetchAll(
                    "SELECT * FROM effects \(whereClause) ORDER BY created_at DESC, id LIMIT \(max(0, limit))",
                    arguments
                ).map(Self.effect)
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// One effect by id (or unique id prefix).
    package func effect(_ reference: String) throws(CentralError) -> EffectRecord {
        do {
            return try database.read { conn in try Self.resolveEffect(conn, reference) }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// Puts a failed, unknown or cancelled effect back to pending, due now (same id, so the same
    /// Idempotency-Key). For an `unknown` e-mail this is the deliberate resend.
    package func retryEffect(_ reference: String, by person: String) throws(CentralError) -> EffectRecord {
        try changeEffect(reference, by: person, action: "retry") { effect in
            guard effect.state != .pending, effect.state != .succeeded else {
                throw CentralError.invalidEffectOperation(
                    "effect \(effect.id) is \(effect.state.rawValue); "
                        + "only failed, unknown or cancelled effects are retried")
            }
            return .pending
        }
    }

    /// Stops a pending, failed or unknown effect from being run (again).
    package func cancelEffect(_ reference: String, by person: String) throws(CentralError) -> EffectRecord {
        try changeEffect(reference, by: person, action: "cancel") { effect in
            guard effect.state != .succeeded, effect.state != .cancelled else {
                throw CentralError.invalidEffectOperation(
                    "effect \(effect.id) is \(effect.state.rawValue); "
                        + "only pending, failed or unknown effects are cancelled")
            }
            return .cancelled
        }
    }

    private func changeEffect(
        _ reference: String, by person: String, action: String, _ decide: (EffectRecord) throws -> EffectState
    ) throws(CentralError) -> EffectRecord {
        let nowMillis = wallClockMillis()
        let now = Timestamp.format(millis: nowMillis)
        do {
            return try database.write { conn in
                var effect = try Self.resolveEffect(conn, reference)
                let state = try decide(effect)
                let previous = effect.state
                effect.state = state
                effect.updatedAt = now
                if state == .pending {
                    // Stripe saves a refusal (4xx) under its key and would replay it: a retry of a
                    // failed Stripe effect uses the next key. An unknown one keeps its key (the
                    // first call may have acted; the same key makes a repeat harmless).
                    if previous == .failed, effect.kind.provider == .stripe { effect.keyGeneration += 1 }
                    effect.nextAttemptAt = Int64(nowMillis)
                    effect.attempts = 0
                    effect.inFlight = false
                }
                try conn.execute(
                    """
                    UPDATE effects SET state = ?, next_attempt_at = ?, attempts = ?, in_flight = ?,
                      key_generation = ?, updated_at = ?
                    WHERE id = ?
                    """,
                    state.rawValue, effect.nextAttemptAt, effect.attempts, effect.inFlight, effect.keyGeneration, now,
                    effect.id)
                var entry = Self.auditEntry(effect: effect, state: state, message: "\(action) by \(person)", at: now)
                entry.person = person
                try Self.appendAudit(conn, entry)
                return effect
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    static func resolveEffect(_ conn: any SQLConnection, _ reference: String) throws -> EffectRecord {
        // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let effects = try conn.fetchAll(
            "SELECT * FROM effects WHERE id = ? OR lower(id) LIKE lower(?) ESCAPE '\\' LIMIT 2",
            [.text(reference), .text(reference.replacingOccurrences(of: "_", with: "\\_") + "%")]
        ).map(effect)
        if let exact = effects.first(where: { $0.id == reference }) { return exact }
        guard effects.count == 1 else {
            throw CentralError.unknownEffect(reference: reference, ambiguous: effects.count > 1)
        }
        return effects[0]
    }

    static func effect(_ row: SQLRow) throws -> EffectRecord {
        let table = "effects"
        func object(_ column: String) throws -> [String: JSONValue]? {
            guard let text = try row.read(column, table: table, as: String?.self) else { return nil }
            guard case .object(let members)? = try? JSONValue.parse(text) else {
                throw CentralError.corruptValue(table: table, column: column, value: text)
            }
            return members
        }
        return EffectRecord(
            id: try row.read("id", table: table), cause: try row.read("cause", table: table),
            kind: try row.read("kind", table: table, as: EffectKind.self),
            orderID: try row.read("order_id", table: table),
            requestID: try row.read("request_id", table: table), parameters: try object("parameters") ?? [:],
            state: try row.read("state", table: table, as: EffectState.self),
            inFlight: try row.read("in_flight", table: table), attempts: try row.read("attempts", table: table),
            keyGeneration: try row.read("key_generation", table: table),
            firstAttemptAt: try row.read("first_attempt_at", table: table),
            nextAttemptAt: try row.read("next_attempt_at", table: table),
            providerRef: try row.read("provider_ref", table: table), result: try object("result"),
            message: try row.read("message", table: table), createdAt: try row.read("created_at", table: table),
            updatedAt: try row.read("updated_at", table: table))
    }

    /// Effects by state, for `/metrics`.
    func effectCounts() throws(CentralError) -> [EffectState: Int] {
        do {
            return try database.read { conn in
                var counts: [EffectState: Int] = [:]
                for row in try conn.fetchAll("SELECT state, count(*) AS n FROM effects GROUP BY state") {
                    if let state = EffectState(rawValue: try row.read("state", table: "effects", as: String.self)) {
                        counts[state] = try row.read("n", table: "effects")
                    }
                }
                return counts
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }
}
