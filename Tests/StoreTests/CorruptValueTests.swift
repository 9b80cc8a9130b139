import GRDB
import SyncCore
import Testing

@testable import OrderDomain
@testable import Store

/// Values changed behind kct's back (raw SQL on the replica file) read back as
/// `StoreError.corruptValue` naming the table and column, never as a trap.
@Suite struct CorruptValueTests {
    let directory = TemporaryDirectory()
    let store: OrderStore
    let actor = StaffActor.test("ana@kct.example")

    init() throws {
        store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
    }

    /// Another connection's write, as a hand edit or a damaged file would leave it.
    func corrupt(_ sql: String) throws {
        let queue = try DatabaseQueue(path: store.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: sql)
        }
    }

    func corruptValue(_ body: () throws -> Void) -> (table: String, column: String)? {
        guard case .corruptValue(let table, let column, _)? = storeError(body) else { return nil }
        return (table, column)
    }

    @Test func aNegativeClockIsRefusedOnTheNextEdit() throws {
        try corrupt("UPDATE node_state SET hlc_last = -5")
        let refused = corruptValue { _ = try store.createOrder(sampleDraft(), by: actor) }
        #expect(refused?.table == "node_state" && refused?.column == "hlc_last")
        #expect(try store.outboxEntries().isEmpty)
    }

    @Test func anOutboxStampThatIsNotAnIntegerIsReported() throws {
        try store.createOrder(sampleDraft(), by: actor)
        try corrupt("UPDATE outbox SET hlc = 'yesterday' WHERE sequence = 1")
        let refused = corruptValue { _ = try store.outboxEntries() }
        #expect(refused?.table == "outbox" && refused?.column == "hlc")
    }

    @Test func anUnknownStatusInTheTypedTableIsReported() throws {
        let order = try store.createOrder(sampleDraft(), by: actor)
        try corrupt("UPDATE orders SET status = 'lost'")
        let refused = corruptValue { _ = try store.detail(order.id) }
        #expect(refused?.table == "orders" && refused?.column == "status")
    }

    @Test func aConfirmedMoveWithANegativeStampIsReported() throws {
        let order = try store.createOrder(sampleDraft(), by: actor)
        try corrupt(
            """
            INSERT INTO confirmed_status_moves
              (order_id, node_id, sequence, hlc, version, from_status, status, from_resume_status, note)
            VALUES ('\(order.id)', 'n-1', 1, -1, 1, 'pending_payment', 'on_hold', NULL, NULL)
            """)
        let refused = corruptValue { _ = try store.read { db in try ConfirmedState.register(db, orderID: order.id) } }
        #expect(refused?.table == "confirmed_status_moves" && refused?.column == "hlc")
    }
}
