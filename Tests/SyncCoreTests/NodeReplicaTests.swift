import Testing

@testable import SyncCore

/// The node side (CONFLICT-RULES.md §7): server changes merge under pending edits, settled
/// edits move to the confirmed replica, and every losing edit reaches the conflicts table.
@Suite struct NodeReplicaTests {
    let now = Build.t0 + 60_000

    /// Central with order o-1, and node W1 that has pulled it.
    func setUp() throws -> (CentralModel, NodeReplica) {
        var central = CentralModel()
        _ = try central.push(
            PushRequest(nodeID: "W0", changes: [Build.createOrder("W0", 1)]), authenticatedNode: "W0", nowMillis: now)
        var node = NodeReplica(nodeID: "W1")
        node.merge(central.pull(PullRequest(after: 0)))
        return (central, node)
    }

    func notes(_ replica: ReplicaModel) -> FieldValue? { replica.row(.order, "o-1")?.fields["notes"]?.value }

    @Test func editsCarryTheCursorAsBaseVersion() throws {
        var (_, node) = try setUp()
        let change = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("x")],
            author: "maria", nowMillis: now)
        #expect(change.baseVersion == 1 && change.sequence == 1)
        #expect(change.hlc.millis >= now)
    }

    @Test func olderServerChangesSlideUnderPendingEdits() throws {
        var (central, node) = try setUp()
        try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("mine")],
            author: "maria", nowMillis: now + 10_000)
        _ = try central.push(
            PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 65, ["notes": .text("theirs")], base: 1)]),
            authenticatedNode: "W2", nowMillis: now + 10_000)
        node.merge(central.pull(PullRequest(after: node.cursor)))
        #expect(notes(node.view) == .text("mine"))
        #expect(notes(node.confirmed) == .text("theirs"))
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now + 12_000))
        #expect(node.pending.isEmpty && notes(node.view) == .text("mine") && node.confirmed == central.replica)
        #expect(node.conflicts.isEmpty)
    }

    @Test func aNewerServerChangeBeatsAPendingEditWhichBecomesAConflict() throws {
        var (central, node) = try setUp()
        let mine = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("mine")],
            author: "maria", nowMillis: now)
        _ = try central.push(
            PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 90, ["notes": .text("theirs")], base: 1)]),
            authenticatedNode: "W2", nowMillis: now)
        node.merge(central.pull(PullRequest(after: node.cursor)))
        #expect(notes(node.view) == .text("theirs"))
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        let conflict = try #require(node.conflicts[ConflictKey(change: mine.ref, field: "notes")])
        #expect(conflict.kind == .superseded(.newerValue) && conflict.wanted == .text("mine"))
        #expect(conflict.winner?.value == .text("theirs") && conflict.winner?.stamp.nodeID == "W2")
        #expect(conflict.change.author == "maria" && conflict.change.nodeID == "W1" && conflict.change.hlc == mine.hlc)
    }

    @Test func aRejectedEditLeavesTheViewForTheConflictsTable() throws {
        var (central, node) = try setUp()
        let hostile = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields,
            fields: ["payment_status": .text("paid"), "notes": .text("cash")], author: "maria", nowMillis: now)
        #expect(notes(node.view) == .text("cash"))
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        #expect(notes(node.view) == nil && node.pending.isEmpty)
        let conflict = try #require(node.conflicts[ConflictKey(change: hostile.ref, field: nil)])
        #expect(conflict.kind == .rejected(.centralOnlyField))
        #expect(conflict.change.fields["notes"] == .text("cash"))
    }

    @Test func aClampedEditIsKeptWithCentralsStamp() throws {
        var (central, node) = try setUp()
        node.clock = HybridLogicalClock(last: HLC(millis: now + 3 * 86_400_000, counter: 0))
        try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("x")],
            author: "maria", nowMillis: now)
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        #expect(node.confirmed == central.replica)
        #expect(node.confirmed.row(.order, "o-1")?.fields["notes"]?.stamp.hlc.millis ?? 0 <= now)
        #expect(node.made[1]?.hlc == central.log.last?.change.hlc)
    }

    @Test func aDisplacedEditReachesItsAuthorThroughThePull() throws {
        var (central, node) = try setUp()
        let mine = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("mine")],
            author: "maria", nowMillis: now)
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        #expect(node.conflicts.isEmpty)
        // W2 had merged only version 1 and edits later: a concurrent overwrite.
        _ = try central.push(
            PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 120, ["notes": .text("theirs")], base: 1)]),
            authenticatedNode: "W2", nowMillis: now + 60_000)
        node.merge(central.pull(PullRequest(after: node.cursor)))
        let conflict = try #require(node.conflicts[ConflictKey(change: mine.ref, field: "notes")])
        #expect(conflict.winner?.value == .text("theirs") && conflict.change.author == "maria")
    }

    @Test func repliesAndPagesDeliveredTwiceChangeNothing() throws {
        var (central, node) = try setUp()
        try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("x")],
            author: "maria", nowMillis: now)
        let reply = try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now)
        node.receive(reply)
        let page = central.pull(PullRequest(after: 0))
        node.merge(page)
        let settled = (node.confirmed, node.cursor, node.conflicts)
        node.receive(reply)
        node.merge(page)
        #expect(node.confirmed == settled.0 && node.cursor == settled.1 && node.conflicts == settled.2)
        #expect(node.confirmed == central.replica && node.cursor == central.headVersion)
    }
}

extension NodeReplicaTests {
    @Test func anEditAfterAPullSortsAfterWhatWasPulledEvenWithASlowClock() throws {
        var (central, node) = try setUp()
        _ = try central.push(
            PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 60, ["notes": .text("theirs")], base: 1)]),
            authenticatedNode: "W2", nowMillis: now)
        node.merge(central.pull(PullRequest(after: node.cursor)))
        // This workstation's wall clock runs an hour behind.
        let mine = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields, fields: ["notes": .text("mine")],
            author: "maria", nowMillis: now - 3_600_000)
        #expect(mine.hlc > Build.hlc(60))
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        #expect(central.replica.row(.order, "o-1")?.fields["notes"]?.value == .text("mine"))
        #expect(node.conflicts.isEmpty)
    }
}

extension NodeReplicaTests {
    @Test func aLostFieldIsReappliedAsANewEdit() throws {
        var (central, node) = try setUp()
        let mine = try node.edit(
            entity: .order, rowID: "o-1", orderID: "o-1", operation: .setFields,
            fields: ["notes": .text("mine"), "priority": .text("rush")], author: "maria", nowMillis: now)
        _ = try central.push(
            PushRequest(nodeID: "W2", changes: [Build.change("W2", 1, at: 90, ["notes": .text("theirs")], base: 1)]),
            authenticatedNode: "W2", nowMillis: now)
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now))
        node.merge(central.pull(PullRequest(after: node.cursor)))
        let conflict = try #require(node.conflicts[ConflictKey(change: mine.ref, field: "notes")])
        let plan = try conflict.reapplication(against: node.view)
        #expect(plan.operation == .setFields && plan.fields == ["notes": .text("mine")])
        let again = try node.edit(
            entity: plan.entity, rowID: plan.rowID, orderID: plan.orderID, operation: plan.operation,
            fields: plan.fields, author: "maria", nowMillis: now + 120_000)
        node.receive(try central.push(node.pushRequest()!, authenticatedNode: "W1", nowMillis: now + 120_000))
        #expect(central.outcomes[again.ref]?.result == .applied)
        #expect(central.replica.row(.order, "o-1")?.fields["notes"]?.value == .text("mine"))
    }

    @Test func aLostStatusMoveIsReappliedFromWhereTheOrderIsNow() throws {
        let view = Build.replica([
            Build.createOrder(), Build.move("W2", 1, at: 5, from: "pending_payment", to: "on_hold"),
        ])
        let lost = Build.move("W1", 1, at: 4, from: "pending_payment", to: "payment_confirmed")
        let conflict = NodeConflict(
            change: lost, field: "status", wanted: .text("payment_confirmed"), winner: nil,
            kind: .superseded(.statusNotAllowed), message: "")
        // From on_hold the order can only go back to pending_payment (its resume status) first.
        #expect(throws: Rejection.self) { try conflict.reapplication(against: view) }
        let cancel = NodeConflict(
            change: Build.move("W1", 1, at: 4, from: "pending_payment", to: "cancelled"), field: "status",
            wanted: .text("cancelled"), winner: nil, kind: .superseded(.statusNotAllowed), message: "")
        let plan = try cancel.reapplication(against: view)
        #expect(
            plan.fields == [
                "status": .text("cancelled"), "from_status": .text("on_hold"),
                "from_resume_status": .text("pending_payment"),
            ])
    }

    @Test func aRejectedPaymentFieldCannotBeReapplied() throws {
        let view = Build.replica([Build.createOrder()])
        let change = Build.change("W1", 1, at: 5, ["payment_status": .text("paid")])
        let conflict = NodeConflict(change: change, rejection: Rejection(.centralOnlyField, "central only"))
        #expect { try conflict.reapplication(against: view) } throws: { ($0 as? Rejection)?.code == .centralOnlyField }
    }
}
