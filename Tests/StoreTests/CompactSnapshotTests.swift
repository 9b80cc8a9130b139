import Foundation
import GRDB
import StorageSupport
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// Compact snapshot pages (SYNC-PROTOCOL.md §4.9.1) and the bulk merge of fresh orders: a compact
/// page is the JSON page's content; merging fresh orders in bulk writes what joining them writes.
@Suite struct CompactSnapshotTests {
    @Test func aCompactPageDecodesToThePageItWasMadeFrom() throws {
        let (harness, _, _) = try BootstrapStoreTests.busyCentral()
        let head = harness.central.headVersion
        let first = harness.central.replica.snapshotPage(
            after: nil, limit: 3, version: head, headVersion: head, ordersTotal: 5)
        let last = harness.central.replica.snapshotPage(
            after: first.nextAfter, limit: 3, version: head - 1, headVersion: head)
        let empty = harness.central.replica.snapshotPage(
            after: last.nextAfter, limit: 3, version: head, headVersion: head)
        #expect(first.hasMore && !last.hasMore && empty.orders.isEmpty)
        for page in [first, last, empty] {
            let bytes = SnapshotPageCodec.encode(page)
            #expect(try SnapshotPageCodec.decode(bytes) == page)
        }
        let bytes = SnapshotPageCodec.encode(first)
        #expect(bytes.count * 3 < first.encoded().count, "\(bytes.count) B against \(first.encoded().count) B of JSON")
        // Every cut short is refused as a decoding error (the node's reply to a broken page).
        for length in 0..<bytes.count {
            #expect(throws: SyncDecodingError.self) { try SnapshotPageCodec.decode(Array(bytes.prefix(length))) }
        }
        var trailing = bytes
        trailing.append(0)
        #expect(throws: SyncDecodingError.self) { try SnapshotPageCodec.decode(trailing) }
    }

    /// A replica to bootstrap, in a directory of its own with no store open on it: an empty one,
    /// or (`rebootstrap`) W1 behind the horizon with pending edits, orders it confirmed and orders
    /// it never saw.
    static func replicaToBootstrap(rebootstrap: Bool) throws -> (SyncHarness, String) {
        var (harness, a, b) = try BootstrapStoreTests.busyCentral()
        guard rebootstrap else {
            _ = try harness.node("W3")
            return (harness, harness.directory.sub("W3"))
        }
        let order = try #require(try a.orders(OrderFilter()).first)
        harness.clock.advance(seconds: 1)
        try a.updateOrder(order.id, OrderPatch(notes: "A, offline"), by: .test("ana"))
        _ = try a.createOrder(sampleDraft(name: "Offline"), by: .test("ana"))
        for index in 0..<4 { _ = try b.createOrder(sampleDraft(name: "Unseen \(index)"), by: .test("ben")) }
        try harness.sync(b)
        try a.requireBootstrap()
        return (harness, harness.directory.sub("W1"))
    }

    /// The same central bootstrapped into two copies of one replica, fresh orders in bulk and
    /// every order joined: every table of the two is the same, row for row.
    @Test(arguments: [false, true])
    func freshOrdersInBulkWriteWhatJoiningWrites(rebootstrap: Bool) throws {
        let (harness, original) = try Self.replicaToBootstrap(rebootstrap: rebootstrap)
        let copy = harness.directory.sub("copy")
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        let bulk = try OrderStore.open(directory: original, clock: harness.clock.function)
        let joined = try OrderStore.open(directory: copy, clock: harness.clock.function)
        try BootstrapStoreTests.bootstrap(bulk, from: harness, pageSize: 3)
        try BootstrapStoreTests.bootstrap(joined, from: harness, pageSize: 3, freshOrdersInBulk: false)
        let tables = try bulk.everyTable()
        #expect(tables == (try joined.everyTable()))
        #expect(tables.filter { $0.hasPrefix("orders: ") }.count == (rebootstrap ? 10 : 5))
        #expect(tables.contains { $0.hasPrefix("orders: ") && $0.contains("A, offline") } == rebootstrap)
    }
}

extension CompactSnapshotTests {
    /// The bulk path takes an order for fresh only when the confirmed replica holds nothing of it:
    /// orders with confirmed rows are found whether their ids are stored as 16 bytes or as text,
    /// also without a single confirmed status move.
    @Test func ordersTheReplicaConfirmedAreNotFresh() throws {
        let (harness, path) = try Self.replicaToBootstrap(rebootstrap: true)
        let store = try OrderStore.open(directory: path, clock: harness.clock.function)
        let confirmed = try store.read { db in
            try String.fetchAll(db, sql: "SELECT \(ConfirmedState.orderIDText) FROM confirmed_rows")
        }
        #expect(!confirmed.isEmpty)
        let unknown = UUID().uuidString.lowercased()
        try store.write { db in
            // Without their moves, the rows alone must tell.
            try db.execute(sql: "DELETE FROM confirmed_status_moves")
            #expect(try ConfirmedState.orderIDs(db, among: Set(confirmed) + [unknown, "not-a-uuid"]) == Set(confirmed))
            var odd = RowState(entity: .communicationLog, rowID: "log-1", orderID: "not-a-uuid")
            _ = odd.merge(
                Change(
                    nodeID: "node-a", sequence: 1, hlc: HLC(packed: 1_800_000_000_000 << 16),
                    entity: .communicationLog, rowID: odd.rowID, orderID: odd.orderID, operation: .append,
                    fields: ["message_content": .text("called")], author: "ana@kct.example"),
                version: 1)
            try ConfirmedState.save(db, odd)
            #expect(try ConfirmedState.orderIDs(db, among: [unknown, "not-a-uuid"]) == ["not-a-uuid"])
        }
    }
}

extension OrderStore {
    /// Every row of every table (virtual tables' shadow tables included), as text, in a stable order.
    func everyTable() throws -> [String] {
        try read { db in
            var lines: [String] = []
            let tables = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for table in tables {
                let columns = try db.columns(in: table).count
                let order = (1...columns).map(String.init).joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(order)") {
                    lines.append(
                        table + ": "
                            + row.columnNames.map { "\($0)=\(Self.text(row[$0]))" }.joined(separator: " "))
                }
            }
            return lines
        }
    }

    /// A value as text; a blob in hex (its description says only how long it is).
    private static func text(_ value: DatabaseValue) -> String {
        guard case .blob(let data) = value.storage else { return "\(value)" }
        return "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
    }
}
