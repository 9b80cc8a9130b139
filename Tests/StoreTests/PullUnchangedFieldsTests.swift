import Foundation
import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// A pulled `set_fields` on an order without pending changes rewrites only the `orders` columns
/// whose merged value changed (a value set again as it was is already shown), and still marks
/// the order updated: the replica is what a whole re-projection of every order writes.
@Suite struct PullUnchangedFieldsTests {
    static let author = "11111111-2222-3333-4444-555555555555"

    @Test func valuesSetAgainLeaveWhatAWholeProjectionWrites() throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let store = try OrderStore.create(
            directory: directory.sub("merged"), name: "W9", shopCode: "S01", clock: clock.function)
        let orderIDs = (0..<4).map { _ in UUID().uuidString.lowercased() }
        var sequence: Int64 = 0
        func entry(_ orderID: String, _ fields: [String: FieldValue]) -> LogEntry {
            sequence += 1
            return LogEntry(
                version: sequence,
                change: Change(
                    nodeID: Self.author, sequence: sequence, hlc: HLC(millis: clock.now + UInt64(sequence), counter: 0),
                    entity: .order, rowID: orderID, orderID: orderID, operation: .setFields, fields: fields,
                    author: "test"))
        }
        func pull(_ entries: [LogEntry]) throws {
            clock.advance(seconds: 60)
            _ = try store.applyPullPage(
                PullResponse(entries: entries, nextCursor: sequence, hasMore: false, headVersion: sequence))
        }
        try pull(
            orderIDs.enumerated().map { index, id in
                entry(
                    id,
                    [
                        "order_number": .text("S01-W9-00000\(index)"), "customer_name": .text("Customer \(index)"),
                        "customer_email": .text("c\(index)@example.com"), "currency": .text("USD"),
                        "priority": .text("normal"), "tax_amount": .integer(100), "shipping_amount": .integer(0),
                        "created_at": .text("2026-11-25T10:00:00.000Z"), "created_by": .text("test"),
                    ])
            })
        // Order 0: priority set again as it was, notes new; order 1: everything set again as it
        // was; order 2: tax set again and shipping changed (totals); order 3 untouched.
        try pull([
            entry(orderIDs[0], ["priority": .text("normal"), "notes": .text("call first")]),
            entry(orderIDs[1], ["priority": .text("normal"), "tax_amount": .integer(100)]),
            entry(orderIDs[2], ["tax_amount": .integer(100), "shipping_amount": .integer(250)]),
        ])
        let updatedAt = try store.read { db in
            try [String: String](
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, updated_at FROM orders").map {
                    ($0["id"], $0["updated_at"])
                })
        }
        #expect(Set(orderIDs.prefix(3).map { updatedAt[$0] }).count == 1, "every touched order is marked updated")
        #expect(updatedAt[orderIDs[3]] != updatedAt[orderIDs[0]])

        try FileManager.default.copyItem(atPath: directory.sub("merged"), toPath: directory.sub("whole"))
        let whole = try OrderStore.open(directory: directory.sub("whole"), clock: clock.function)
        let nowText = try #require(updatedAt[orderIDs[0]])
        try whole.write { db in try whole.reproject(db, orders: Set(orderIDs.prefix(3)), nowText: nowText) }
        let tables = try store.everyTable()
        #expect(tables == (try whole.everyTable()))
        #expect(tables.contains { $0.hasPrefix("orders: ") && $0.contains("notes=\"call first\"") })
        #expect(tables.contains { $0.hasPrefix("orders: ") && $0.contains("total_amount=350") })
    }
}
