import Testing

@testable import SyncCore

/// One test per rule of CONFLICT-RULES.md §3.1 and §3.3–3.5 (status rules: StatusRuleTests).
@Suite struct ConflictRuleTests {
    let create = Build.createOrder()

    // MARK: 3.1 Last writer wins, per field

    @Test func laterStampWinsPerFieldWhateverTheArrivalOrder() throws {
        let w1 = Build.change("W1", 1, at: 5, ["notes": .text("rush"), "priority": .text("urgent")])
        let w2 = Build.change("W2", 1, at: 7, ["notes": .text("gift wrap")])
        #expect(Build.allOrdersAgree([create, w1, w2]))
        let replica = Build.replica([create, w2, w1])
        let order = try #require(replica.row(.order, "o-1"))
        #expect(order.fields["notes"]?.value == .text("gift wrap"))
        #expect(order.fields["priority"]?.value == .text("urgent"))
    }

    @Test func losingFieldIsReportedWithTheWinner() throws {
        var replica = Build.replica([create, Build.change("W2", 1, at: 7, ["notes": .text("gift wrap")])])
        let report = replica.merge(
            Build.change("W1", 1, at: 5, ["notes": .text("rush"), "priority": .text("urgent")]), version: 3)
        let loss = try #require(report.result.losses.first)
        #expect(report.result.losses.count == 1)
        #expect(loss.field == "notes" && loss.wanted == .text("rush") && loss.rule == .newerValue)
        #expect(loss.winner?.value == .text("gift wrap") && loss.winner?.stamp.nodeID == "W2")
        #expect(loss.message.contains("W2") && loss.message.contains("2025-11-25 14:00:07.000 UTC"))
    }

    @Test func nodeIDBreaksTiesBetweenEqualClocks() throws {
        let a = Build.change("W1", 1, at: 5, ["notes": .text("from W1")])
        let b = Build.change("W2", 1, at: 5, ["notes": .text("from W2")])
        #expect(Build.allOrdersAgree([create, a, b]))
        #expect(Build.replica([create, b, a]).row(.order, "o-1")?.fields["notes"]?.value == .text("from W2"))
    }

    @Test func equalStampsFromOneNodeAreOrderedBySequence() {
        // Only a re-stamp collision could do this; the rules must stay order-independent anyway.
        let first = Build.change("W1", 1, at: 5, ["notes": .text("first")])
        let second = Build.change("W1", 2, at: 5, ["notes": .text("second")])
        #expect(Build.allOrdersAgree([create, first, second]))
        #expect(Build.replica([create, second, first]).row(.order, "o-1")?.fields["notes"]?.value == .text("second"))
    }

    @Test func duplicatesChangeNothing() {
        let edit = Build.change("W1", 1, at: 5, ["notes": .text("x")])
        var replica = Build.replica([create, edit])
        let before = replica
        let report = replica.merge(edit, version: 2)
        #expect(replica == before && report.result.losses.isEmpty && report.result.displaced.isEmpty)
    }

    // MARK: §6 Who is told: concurrent versus deliberate overwrites

    @Test func concurrentOverwriteReportsTheDisplacedValue() throws {
        // W1's edit was logged at version 2; W2 had merged only version 1 when it edited.
        var replica = Build.replica([create, Build.change("W1", 1, at: 5, ["notes": .text("rush")])])
        let report = replica.merge(Build.change("W2", 1, at: 7, ["notes": .text("gift wrap")], base: 1), version: 3)
        let displaced = try #require(report.result.displaced.first)
        #expect(displaced.loser == ChangeRef(nodeID: "W1", sequence: 1))
        #expect(displaced.wanted == .text("rush") && displaced.winner?.value == .text("gift wrap"))
    }

    @Test func deliberateOverwriteIsNotAConflict() {
        var replica = Build.replica([create, Build.change("W1", 1, at: 5, ["notes": .text("rush")])])
        let seen = replica.merge(Build.change("W2", 1, at: 7, ["notes": .text("gift wrap")], base: 2), version: 3)
        #expect(seen.result.displaced.isEmpty)
        let own = replica.merge(Build.change("W2", 2, at: 8, ["notes": .text("again")], base: 0), version: 4)
        #expect(own.result.displaced.isEmpty)
    }

    // MARK: 3.3 Append-only records

    @Test func appendedRecordsAreUnited() {
        let history1 = Build.change(
            "W1", 1, at: 5, .statusHistory, row: "h-1", .append,
            [
                "to_status": .text("processing"), "changed_by": .text("a"),
                "changed_at": .text("2025-11-25T14:00:01.000Z"),
            ])
        let history2 = Build.change(
            "W2", 1, at: 6, .statusHistory, row: "h-2", .append,
            ["to_status": .text("on_hold"), "changed_by": .text("b"), "changed_at": .text("2025-11-25T14:00:02.000Z")])
        let log = Build.change(
            "W2", 2, at: 7, .communicationLog, row: "c-1", .append,
            [
                "communication_type": .text("note"), "communication_channel": .text("phone"),
                "message_content": .text("called"),
            ])
        #expect(Build.allOrdersAgree([create, history1, history2, log]))
        let replica = Build.replica([create, log, history2, history1])
        #expect(["h-1", "h-2"].allSatisfy { replica.row(.statusHistory, $0)?.appended != nil })
        #expect(replica.row(.communicationLog, "c-1")?.fields["message_content"]?.value == .text("called"))
    }

    @Test func appendCollisionKeepsTheEarlierRecordInAnyOrder() throws {
        let first = Build.change(
            "W1", 1, at: 5, .exception, row: "x-1", .append,
            [
                "exception_type": .text("damaged_cloth"), "exception_severity": .text("high"),
                "resolution_status": .text("open"),
            ])
        let second = Build.change(
            "W2", 1, at: 6, .exception, row: "x-1", .append,
            [
                "exception_type": .text("wrong_measurement"), "exception_severity": .text("low"),
                "resolution_status": .text("investigating"),
            ])
        let edit = Build.change(
            "W3", 1, at: 5, .exception, row: "x-1", .setFields, ["resolution_status": .text("resolved")])
        #expect(Build.allOrdersAgree([create, first, second, edit]))
        var replica = Build.replica([create, first])
        let report = replica.merge(second, version: 3)
        #expect(report.result.losses.first?.rule == .appendCollision)
        #expect(replica.row(.exception, "x-1")?.fields["exception_type"]?.value == .text("damaged_cloth"))
        var reversed = Build.replica([create, second])
        #expect(reversed.merge(first, version: 3).result.displaced.first?.loser == ChangeRef(nodeID: "W2", sequence: 1))
    }

    @Test func exceptionResolutionIsLastWriterWins() {
        let open = Build.change(
            "W1", 1, at: 5, .exception, row: "x-1", .append,
            [
                "exception_type": .text("damaged_cloth"), "exception_severity": .text("high"),
                "resolution_status": .text("open"), "customer_notified": .bool(false),
            ])
        let investigate = Build.change(
            "W2", 1, at: 6, .exception, row: "x-1", .setFields, ["resolution_status": .text("investigating")])
        let resolve = Build.change(
            "W1", 2, at: 9, .exception, row: "x-1", .setFields,
            ["resolution_status": .text("resolved"), "customer_notified": .bool(true)])
        #expect(Build.allOrdersAgree([create, open, investigate, resolve]))
        let row = Build.replica([create, resolve, open, investigate]).row(.exception, "x-1")
        #expect(row?.fields["resolution_status"]?.value == .text("resolved"))
        #expect(row?.fields["exception_type"]?.value == .text("damaged_cloth"))
    }

    // MARK: 3.4 Items: add-wins by id

    @Test func itemsAddedOnTwoWorkstationsAreBothKept() {
        let suit = Build.addItem("W1", 1, at: 5, item: "i-1")
        let tie = Build.addItem("W2", 1, at: 5, item: "i-2", quantity: 2, price: 4500)
        #expect(Build.allOrdersAgree([create, suit, tie]))
        #expect(Build.replica([create, tie, suit]).liveItems(ofOrder: "o-1").map(\.rowID) == ["i-1", "i-2"])
    }

    @Test func itemFieldsMergePerField() {
        let item = Build.addItem("W0", 2, at: 1, item: "i-1")
        let quantity = Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["quantity": .integer(3)])
        let color = Build.change("W2", 1, at: 6, .orderItem, row: "i-1", .setFields, ["color": .text("charcoal")])
        let row = Build.replica([create, item, color, quantity]).row(.orderItem, "i-1")
        #expect(row?.fields["quantity"]?.value == .integer(3) && row?.fields["color"]?.value == .text("charcoal"))
        #expect(Build.allOrdersAgree([create, item, quantity, color]))
    }

    // MARK: 3.5 Deletes: absorbing tombstones

    @Test func deleteWinsOverOlderAndNewerEdits() throws {
        let item = Build.addItem("W0", 2, at: 1, item: "i-1")
        let older = Build.change("W2", 1, at: 8, .orderItem, row: "i-1", .setFields, ["quantity": .integer(2)])
        let delete = Build.change("W1", 1, at: 10, .orderItem, row: "i-1", .delete, [:])
        let newer = Build.change("W2", 2, at: 12, .orderItem, row: "i-1", .setFields, ["quantity": .integer(3)])
        #expect(Build.allOrdersAgree([create, item, older, delete, newer]))
        var replica = Build.replica([create, item, older, delete])
        let row = try #require(replica.row(.orderItem, "i-1"))
        #expect(row.isDeleted && row.fields.isEmpty)
        let report = replica.merge(newer, version: 5)
        #expect(report.result.losses.first?.rule == .rowDeleted)
        #expect(report.result.losses.first?.winner?.stamp.nodeID == "W1")
        #expect(replica.liveItems(ofOrder: "o-1").isEmpty)
    }

    @Test func deleteReportsConcurrentEditsItRemoved() throws {
        let item = Build.addItem("W0", 2, at: 1, item: "i-1")
        let edit = Build.change("W2", 1, at: 8, .orderItem, row: "i-1", .setFields, ["quantity": .integer(2)], base: 2)
        // W1 had merged the item (version 2) but not W2's edit (version 3).
        var replica = Build.replica([create, item, edit])
        let report = replica.merge(
            Build.change("W1", 1, at: 10, .orderItem, row: "i-1", .delete, [:], base: 2), version: 4)
        #expect(report.result.displaced.map(\.loser) == [ChangeRef(nodeID: "W2", sequence: 1)])
        #expect(
            report.result.displaced.first?.field == "quantity" && report.result.displaced.first?.rule == .rowDeleted)
    }

    @Test func severalDeletesAgree() {
        let item = Build.addItem("W0", 2, at: 1, item: "i-1")
        let a = Build.change("W1", 1, at: 10, .orderItem, row: "i-1", .delete, [:])
        let b = Build.change("W2", 1, at: 11, .orderItem, row: "i-1", .delete, [:])
        #expect(Build.allOrdersAgree([create, item, a, b]))
        #expect(Build.replica([create, item, b, a]).row(.orderItem, "i-1")?.tombstone?.stamp.nodeID == "W1")
    }
}
