import Testing

@testable import SyncCore

/// Central's handling of pushes and pulls (SYNC-PROTOCOL.md §4.2, §4.3, §7).
@Suite struct PushProcessorTests {
    let now = Build.t0 + 60_000

    func central(with changes: [Change] = [Build.createOrder("W0", 1)]) throws -> CentralModel {
        var central = CentralModel()
        if !changes.isEmpty {
            _ = try central.push(
                PushRequest(nodeID: changes[0].nodeID, changes: changes), authenticatedNode: changes[0].nodeID,
                nowMillis: now)
        }
        return central
    }

    @Test func resentBatchIsAcknowledgedAgainButAppliedOnce() throws {
        var central = try central()
        let batch = PushRequest(
            nodeID: "W1",
            changes: [
                Build.change("W1", 1, at: 5, ["notes": .text("a")]),
                Build.change("W1", 2, at: 6, ["priority": .text("rush")]),
            ])
        let first = try central.push(batch, authenticatedNode: "W1", nowMillis: now)
        let logAfterFirst = central.log
        let again = try central.push(batch, authenticatedNode: "W1", nowMillis: now + 1000)
        #expect(central.log == logAfterFirst)
        #expect(again.outcomes.map(\.replayed) == [true, true])
        #expect(again.outcomes.map(\.version) == first.outcomes.map(\.version))
        #expect(again.acknowledgedThrough == 2)
    }

    @Test func overlappingBatchAppliesOnlyTheNewTail() throws {
        var central = try central()
        _ = try central.push(
            PushRequest(nodeID: "W1", changes: [Build.change("W1", 1, at: 5, ["notes": .text("a")])]),
            authenticatedNode: "W1", nowMillis: now)
        let response = try central.push(
            PushRequest(
                nodeID: "W1",
                changes: [
                    Build.change("W1", 1, at: 5, ["notes": .text("a")]),
                    Build.change("W1", 2, at: 6, ["notes": .text("b")]),
                ]), authenticatedNode: "W1", nowMillis: now)
        #expect(response.outcomes.map(\.replayed) == [true, false])
        #expect(central.headVersion == 3)
    }

    @Test func gapIsRefusedAndNamesTheSequenceToResend() throws {
        var central = try central()
        _ = try central.push(
            PushRequest(nodeID: "W1", changes: [Build.change("W1", 1, at: 5, ["notes": .text("a")])]),
            authenticatedNode: "W1", nowMillis: now)
        let before = central.log
        #expect {
            try central.push(
                PushRequest(nodeID: "W1", changes: [Build.change("W1", 3, at: 6, ["notes": .text("c")])]),
                authenticatedNode: "W1", nowMillis: now)
        } throws: { error in
            let reply = error as? ErrorResponse
            return reply?.code == .sequenceGap && reply?.expectedSequence == 2 && reply?.httpStatus == 409
        }
        #expect(central.log == before)
    }

    @Test func aNodePushesOnlyItsOwnChanges() throws {
        var central = try central()
        let foreign = PushRequest(nodeID: "W1", changes: [Build.change("W2", 1, at: 5, ["notes": .text("a")])])
        #expect { try central.push(foreign, authenticatedNode: "W1", nowMillis: now) } throws: {
            ($0 as? ErrorResponse)?.code == .forbidden
        }
        let impostor = PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 5, ["notes": .text("a")])])
        #expect { try central.push(impostor, authenticatedNode: "W1", nowMillis: now) } throws: {
            ($0 as? ErrorResponse)?.code == .forbidden
        }
        let impersonation = PushRequest(
            nodeID: ChangeValidator.centralNodeID,
            changes: [Build.change(ChangeValidator.centralNodeID, 1, at: 5, ["payment_status": .text("paid")])])
        #expect {
            try central.push(impersonation, authenticatedNode: ChangeValidator.centralNodeID, nowMillis: now)
        } throws: { ($0 as? ErrorResponse)?.code == .forbidden }
        #expect(central.headVersion == 1)
    }

    @Test func batchesAreLimitedAndConsecutive() throws {
        var central = try central()
        central.processor = PushProcessor(maximumChanges: 2)
        let three = PushRequest(
            nodeID: "W1",
            changes: (1...3).map { Build.change("W1", Int64($0), at: UInt64($0), ["notes": .text("\($0)")]) })
        #expect { try central.push(three, authenticatedNode: "W1", nowMillis: now) } throws: {
            ($0 as? ErrorResponse)?.code == .batchTooLarge && ($0 as? ErrorResponse)?.limit == 2
        }
        let holey = PushRequest(
            nodeID: "W1",
            changes: [
                Build.change("W1", 1, at: 1, ["notes": .text("a")]),
                Build.change("W1", 3, at: 2, ["notes": .text("b")]),
            ])
        #expect { try central.push(holey, authenticatedNode: "W1", nowMillis: now) } throws: {
            ($0 as? ErrorResponse)?.code == .invalidMessage
        }
        #expect(central.headVersion == 1)
    }

    @Test func rejectedChangesAreSettledButNotLogged() throws {
        var central = try central()
        let response = try central.push(
            PushRequest(
                nodeID: "W1",
                changes: [
                    Build.change("W1", 1, at: 5, ["payment_status": .text("paid")]),
                    Build.change("W1", 2, at: 6, ["notes": .text("ok")]),
                ]), authenticatedNode: "W1", nowMillis: now)
        #expect(response.outcomes.map(\.result) == [.rejected, .applied])
        #expect(response.outcomes[0].reason?.code == .centralOnlyField && response.outcomes[0].version == nil)
        #expect(central.log.map(\.change.sequence) == [1, 2] && central.log.last?.change.nodeID == "W1")
        #expect(central.lastSettledSequence(of: "W1") == 2)
    }

    @Test func supersededChangesAreLoggedSoEveryReplicaHoldsTheSameSet() throws {
        var central = try central(with: [
            Build.createOrder("W0", 1), Build.change("W0", 2, at: 9, ["notes": .text("later")]),
        ])
        let response = try central.push(
            PushRequest(nodeID: "W1", changes: [Build.change("W1", 1, at: 5, ["notes": .text("earlier")])]),
            authenticatedNode: "W1", nowMillis: now)
        #expect(response.outcomes[0].result == .superseded && response.outcomes[0].version == 3)
        #expect(response.outcomes[0].conflicts.first?.winner?.value == .text("later"))
        #expect(central.log.count == 3)
    }

    @Test func driftBeyondTheBoundIsDetected() {
        let nowMillis = Build.t0
        #expect(
            ClockDrift.validateDrift(HLC(millis: nowMillis + 60_000, counter: 0), centralNowMillis: nowMillis)
                == .withinBound)
        #expect(
            ClockDrift.validateDrift(HLC(millis: nowMillis - 86_400_000, counter: 0), centralNowMillis: nowMillis)
                == .withinBound)
        #expect(
            ClockDrift.validateDrift(HLC(millis: nowMillis + 2 * 86_400_000, counter: 0), centralNowMillis: nowMillis)
                == .tooFarAhead(aheadMillis: 2 * 86_400_000))
        #expect(
            ClockDrift.validateDrift(
                HLC(millis: nowMillis + 1000, counter: 0), centralNowMillis: nowMillis, maxDriftMillis: 999)
                == .tooFarAhead(aheadMillis: 1000))
    }

    @Test func aClockDaysAheadDoesNotWinEveryConflict() throws {
        var central = try central()
        // W3's clock is two days ahead; central clamps its edit to central's time.
        let ahead = Change(
            nodeID: "W3", sequence: 1, hlc: HLC(millis: now + 2 * 86_400_000, counter: 0), entity: .order, rowID: "o-1",
            orderID: "o-1", operation: .setFields, fields: ["notes": .text("from the future")], author: "w3")
        let response = try central.push(
            PushRequest(nodeID: "W3", changes: [ahead]), authenticatedNode: "W3", nowMillis: now)
        let outcome = response.outcomes[0]
        #expect(outcome.result == .applied && outcome.clampedFrom == ahead.hlc)
        let clamped = try #require(outcome.hlc)
        #expect(clamped.millis <= now && clamped > ahead.hlc.advanced(byMillis: -3 * 86_400_000))
        #expect(central.log.last?.change.hlc == clamped)
        // A later honest edit from another workstation wins over it.
        let honest = Change(
            nodeID: "W1", sequence: 1, hlc: HLC(millis: now + 5000, counter: 0), entity: .order, rowID: "o-1",
            orderID: "o-1", operation: .setFields, fields: ["notes": .text("now")], author: "w1")
        _ = try central.push(
            PushRequest(nodeID: "W1", changes: [honest]), authenticatedNode: "W1", nowMillis: now + 5000)
        #expect(central.replica.row(.order, "o-1")?.fields["notes"]?.value == .text("now"))
    }

    @Test func reStampsKeepTheNodesOrder() throws {
        var central = try central()
        let far = now + 86_400_000
        let changes = (1...3).map { index in
            Change(
                nodeID: "W3", sequence: Int64(index), hlc: HLC(millis: far, counter: UInt16(index)), entity: .order,
                rowID: "o-1",
                orderID: "o-1", operation: .setFields, fields: ["notes": .text("\(index)")], author: "w3")
        }
        let response = try central.push(
            PushRequest(nodeID: "W3", changes: changes), authenticatedNode: "W3", nowMillis: now)
        let stamps = response.outcomes.compactMap(\.hlc)
        #expect(stamps.count == 3 && stamps == stamps.sorted() && Set(stamps).count == 3)
        #expect(central.replica.row(.order, "o-1")?.fields["notes"]?.value == .text("3"))
    }

    @Test func pullPagesThroughTheLog() throws {
        var central = try central()
        _ = try central.push(
            PushRequest(
                nodeID: "W1",
                changes: (1...5).map { Build.change("W1", Int64($0), at: UInt64($0), ["notes": .text("\($0)")]) }),
            authenticatedNode: "W1", nowMillis: now)
        let first = central.pull(PullRequest(after: 0, limit: 4))
        #expect(
            first.entries.map(\.version) == [1, 2, 3, 4] && first.nextCursor == 4 && first.hasMore
                && first.headVersion == 6)
        let second = central.pull(PullRequest(after: first.nextCursor, limit: 4))
        #expect(second.entries.map(\.version) == [5, 6] && second.nextCursor == 6 && !second.hasMore)
        let empty = central.pull(PullRequest(after: 6, limit: 4))
        #expect(empty.entries.isEmpty && empty.nextCursor == 6 && !empty.hasMore)
    }

    @Test func centralAuthorsPaymentFacts() throws {
        var central = try central()
        let outcome = central.author(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields,
            fields: ["payment_status": .text("paid")], author: "stripe-webhook", nowMillis: now)
        #expect(outcome.result == .applied)
        #expect(
            central.replica.row(.order, "o-1")?.fields["payment_status"]?.stamp.nodeID == ChangeValidator.centralNodeID)
    }
}

extension HLC {
    func advanced(byMillis delta: Int64) -> HLC { HLC(millis: UInt64(Int64(millis) + delta), counter: counter) }
}

extension PushProcessorTests {
    @Test func aReusedSequenceIsRefusedNotAnsweredWithAnOldOutcome() throws {
        var central = try central()
        _ = try central.push(
            PushRequest(nodeID: "W1", changes: [Build.change("W1", 1, at: 5, ["notes": .text("before the backup")])]),
            authenticatedNode: "W1", nowMillis: now)
        let before = central.log
        // Restored from an old backup, W1 numbers a new edit 1 again.
        let reused = PushRequest(
            nodeID: "W1",
            changes: [
                Build.change("W1", 1, at: 9, ["notes": .text("after the restore")]),
                Build.change("W1", 2, at: 10, ["priority": .text("rush")]),
            ])
        #expect { try central.push(reused, authenticatedNode: "W1", nowMillis: now) } throws: { error in
            let reply = error as? ErrorResponse
            return reply?.code == .sequenceReused && reply?.httpStatus == 409 && reply?.expectedSequence == 2
        }
        #expect(central.log == before && central.lastSettledSequence(of: "W1") == 1)
    }
}
