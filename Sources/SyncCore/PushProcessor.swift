/// What central keeps to settle pushes: its replica, the last sequence settled per node, the
/// outcome of every settled change, and the log. A SQLite central implements it over its
/// tables and runs `PushProcessor.process` inside one transaction, so the effects, the log
/// entries, the outcomes and the per-node sequence commit together or not at all.
package protocol CentralLedger: ReplicaReading {
    /// The highest sequence of `nodeID` settled so far (0 for none).
    func lastSettledSequence(of nodeID: String) -> Int64
    /// The outcome recorded when the change was first settled.
    func recordedOutcome(of change: ChangeRef) -> ChangeOutcome?
    /// Whether `change` is the change received when its sequence was first settled (before any
    /// re-stamp), so a resent sequence can be checked to be the same change; nil when central
    /// has no record of that sequence.
    func receivedChangeMatches(_ change: Change) -> Bool?
    var headVersion: Int64 { get }
    /// Merges an accepted change into the replica at `version`.
    mutating func merge(_ change: Change, version: Int64) -> MergeReport
    mutating func appendLog(_ entry: LogEntry)
    /// Records the change as received and its outcome, and advances the node's last settled
    /// sequence to `change.sequence`.
    mutating func record(_ outcome: ChangeOutcome, of change: Change)
    /// Refuses a valid change its author or node may not make (CentralLedger+Authorization.swift).
    func authorize(_ change: Change) throws(Rejection)
    /// Refuses a change to an order outside the pushing node's scope, before anything reads that
    /// order, so the rejection tells nothing about it (CentralLedger+Authorization.swift).
    func admit(_ change: Change) throws(Rejection)
}

/// Central's handling of `POST /v1/push`: authorisation of the batch, idempotency by sequence,
/// clock-drift clamping, validation, merge, log, outcomes. Pure over a `CentralLedger`.
package struct PushProcessor: Sendable {
    package var maximumChanges: Int
    package var maxDriftMillis: UInt64

    package init(
        maximumChanges: Int = ProtocolLimits.maximumChangesPerPush,
        maxDriftMillis: UInt64 = ClockDrift.defaultMaxDriftMillis
    ) {
        self.maximumChanges = maximumChanges
        self.maxDriftMillis = maxDriftMillis
    }

    /// Settles a push from the node `authenticatedNode` (the node its bearer token belongs to).
    /// Throws when the batch as a whole is refused; every check comes before the first change
    /// is settled, so the ledger is then unchanged.
    /// `clock` is central's own clock, used to re-stamp changes from clocks too far ahead.
    package func process(
        _ request: PushRequest, authenticatedNode: String, nowMillis: UInt64,
        clock: inout HybridLogicalClock, ledger: inout some CentralLedger
    ) throws(ErrorResponse) -> (response: PushResponse, reports: [MergeReport]) {
        guard authenticatedNode != ChangeValidator.centralNodeID else {
            throw ErrorResponse(
                code: .forbidden,
                message: "node id '\(ChangeValidator.centralNodeID)' is reserved for central's own changes")
        }
        guard request.nodeID == authenticatedNode else {
            throw ErrorResponse(
                code: .forbidden, message: "this token belongs to node \(authenticatedNode), not \(request.nodeID)")
        }
        guard request.changes.count <= maximumChanges else {
            throw ErrorResponse(
                code: .batchTooLarge,
                message:
                    "a push carries at most \(maximumChanges) changes, this one has \(request.changes.count); send "
                    + "them in smaller batches",
                limit: Int64(maximumChanges))
        }
        for (index, change) in request.changes.enumerated() {
            guard change.nodeID == request.nodeID else {
                throw ErrorResponse(
                    code: .forbidden,
                    message: "changes[\(index)] is from node \(change.nodeID); a node pushes only its own changes")
            }
            if index > 0, change.sequence != request.changes[index - 1].sequence + 1 {
                throw ErrorResponse(
                    code: .invalidMessage,
                    message:
                        "changes[\(index)] has sequence \(change.sequence) after "
                        + "\(request.changes[index - 1].sequence); a push carries consecutive sequences"
                )
            }
        }
        let settled = ledger.lastSettledSequence(of: request.nodeID)
        if let first = request.changes.first, first.sequence > settled + 1 {
            throw ErrorResponse(
                code: .sequenceGap,
                message:
                    "central has settled node \(request.nodeID) up to sequence \(settled); this push starts at "
                    + "\(first.sequence). Resend from sequence \(settled + 1)",
                expectedSequence: settled + 1)
        }
        var outcomes: [ChangeOutcome] = []
        var reports: [MergeReport] = []
        // Sequences are consecutive, so the already-settled ones form a prefix: all of it is
        // checked before anything new is settled.
        for change in request.changes where change.sequence <= settled {
            guard var outcome = ledger.recordedOutcome(of: change.ref),
                let matches = ledger.receivedChangeMatches(change)
            else {
                throw ErrorResponse(
                    code: .internalError,
                    message: "central has settled \(change.nodeID) sequence \(change.sequence) but lost its record")
            }
            guard matches else {
                // A node that reuses sequences (restored from an old backup) would otherwise
                // have its new edits answered with old outcomes and lose them.
                throw ErrorResponse(
                    code: .sequenceReused,
                    message:
                        "sequence \(change.sequence) of node \(change.nodeID) was already settled for a different "
                        + "change; this workstation's outbox does not match central's record (restored from a "
                        + "backup?) and needs an operator",
                    expectedSequence: settled + 1)
            }
            outcome.replayed = true
            outcomes.append(outcome)
        }
        for change in request.changes where change.sequence > settled {
            let (outcome, report) = settle(change, nowMillis: nowMillis, clock: &clock, ledger: &ledger)
            outcomes.append(outcome)
            if let report { reports.append(report) }
        }
        let response = PushResponse(
            nodeID: request.nodeID, acknowledgedThrough: ledger.lastSettledSequence(of: request.nodeID),
            headVersion: ledger.headVersion, outcomes: outcomes)
        return (response, reports)
    }

    /// Settles one new change: validate, re-stamp if needed, merge, log, record. Central's own
    /// changes are settled through it too (CentralModel.author, central's CentralAuthoring).
    package func settle(
        _ incoming: Change, nowMillis: UInt64, clock: inout HybridLogicalClock, ledger: inout some CentralLedger
    ) -> (ChangeOutcome, MergeReport?) {
        var change = incoming
        do {
            try ledger.admit(change)
            try ChangeValidator.validate(change, against: ledger)
            try ledger.authorize(change)
        } catch {
            let outcome = ChangeOutcome(sequence: change.sequence, result: .rejected, reason: error)
            ledger.record(outcome, of: incoming)
            return (outcome, nil)
        }
        var clampedFrom: HLC?
        switch ClockDrift.validateDrift(change, centralNowMillis: nowMillis, maxDriftMillis: maxDriftMillis) {
        case .withinBound:
            // Keep central's clock ahead of everything it accepted, so re-stamps sort after them.
            _ = try? clock.receive(change.hlc, nowMillis: nowMillis)
        case .tooFarAhead:
            clampedFrom = change.hlc
            change.hlc = Self.restamp(&clock, nowMillis: nowMillis)
        }
        let version = ledger.headVersion + 1
        let report = ledger.merge(change, version: version)
        ledger.appendLog(LogEntry(version: version, change: change, displaced: report.result.displaced))
        let outcome = ChangeOutcome(
            sequence: change.sequence, result: report.result.isSuperseded ? .superseded : .applied,
            version: version, hlc: clampedFrom == nil ? nil : change.hlc, clampedFrom: clampedFrom,
            conflicts: report.result.losses)
        ledger.record(outcome, of: incoming)
        return (outcome, report)
    }

    /// A fresh timestamp from central's clock. The counter can only overflow after 65,536
    /// re-stamps within one millisecond; the next millisecond is then used.
    package static func restamp(_ clock: inout HybridLogicalClock, nowMillis: UInt64) -> HLC {
        var now = nowMillis
        while true {
            do {
                return try clock.tick(nowMillis: now)
            } catch {
                now = max(now, clock.last.millis) + 1
            }
        }
    }
}
