/// Central in memory: the reference `CentralLedger`, and the simulated central of the
/// convergence tests. The SQLite central keeps the same four things in tables.
package struct CentralModel: CentralLedger, Sendable {
    package private(set) var replica = ReplicaModel()
    package private(set) var log: [LogEntry] = []
    package private(set) var settledSequence: [String: Int64] = [:]
    package private(set) var outcomes: [ChangeRef: ChangeOutcome] = [:]
    package private(set) var received: [ChangeRef: Change] = [:]
    package var clock = HybridLogicalClock()
    package var processor = PushProcessor()
    /// Central's own changes (payment and delivery facts) get sequences of their own.
    private var centralSequence: Int64 = 0

    package init(processor: PushProcessor = PushProcessor()) {
        self.processor = processor
    }

    // MARK: CentralLedger

    package func row(_ key: RowKey) -> RowState? { replica.row(key) }
    package func lastSettledSequence(of nodeID: String) -> Int64 { settledSequence[nodeID] ?? 0 }
    package func recordedOutcome(of change: ChangeRef) -> ChangeOutcome? { outcomes[change] }
    package func receivedChangeMatches(_ change: Change) -> Bool? { received[change.ref].map { $0 == change } }
    package var headVersion: Int64 { log.last?.version ?? 0 }

    package mutating func merge(_ change: Change, version: Int64) -> MergeReport {
        replica.merge(change, version: version)
    }

    package mutating func appendLog(_ entry: LogEntry) { log.append(entry) }

    package mutating func record(_ outcome: ChangeOutcome, of change: Change) {
        outcomes[change.ref] = outcome
        received[change.ref] = change
        settledSequence[change.nodeID] = change.sequence
    }

    // MARK: Endpoints

    /// `POST /v1/push`. On a thrown error nothing changed.
    package mutating func push(_ request: PushRequest, authenticatedNode: String, nowMillis: UInt64)
        throws(ErrorResponse) -> PushResponse
    {
        // `process` refuses a batch before touching the ledger, so self is unchanged on throw.
        var clock = self.clock
        let processor = self.processor
        let (response, _) = try processor.process(
            request, authenticatedNode: authenticatedNode, nowMillis: nowMillis, clock: &clock, ledger: &self)
        self.clock = clock
        return response
    }

    /// `GET /v1/pull`.
    package func pull(_ request: PullRequest) -> PullResponse {
        // Versions are 1...n without holes, so the entry after version v is at index v.
        let start = Int(min(request.after, headVersion))
        let end = min(log.count, start + request.limit)
        let entries = Array(log[start..<end])
        return PullResponse(
            entries: entries, nextCursor: entries.last?.version ?? request.after,
            hasMore: end < log.count, headVersion: headVersion)
    }

    /// A change made by central itself (e.g. a payment webhook setting `payment_status`),
    /// settled through the same rules. `baseVersion` is the current head: central sees all.
    package mutating func author(
        entity: EntityKind, rowID: String, orderID: String, operation: ChangeOperation,
        fields: [String: FieldValue], author: String, nowMillis: UInt64
    ) -> ChangeOutcome {
        centralSequence += 1
        let hlc = PushProcessor.restamp(&clock, nowMillis: nowMillis)
        let change = Change(
            nodeID: ChangeValidator.centralNodeID, sequence: centralSequence, hlc: hlc, entity: entity, rowID: rowID,
            orderID: orderID, operation: operation, fields: fields, author: author, baseVersion: headVersion)
        var clock = self.clock
        let (outcome, _) = processor.settle(change, nowMillis: nowMillis, clock: &clock, ledger: &self)
        self.clock = clock
        return outcome
    }
}
