import Foundation
import OrderDomain
import StorageSupport
import SyncCore
import Synchronization

/// One order's merge state: its rows and its status register.
struct OrderMergeState: Sendable {
    var rows: [RowKey: RowState] = [:]
    var register = StatusRegister()

    /// The order's committed rows and status moves, from `rows` and `status_moves`.
    static func load(_ conn: any SQLConnection, orderID: String) throws -> OrderMergeState {
        var state = OrderMergeState()
        try conn.forEachRow(RowCodec.selectByOrderSQL, [.text(orderID)]) { row in
            let rowState = try RowCodec.decode(row)
            state.rows[rowState.key] = rowState
            return true
        }
        var moves: [StatusMove] = []
        try conn.forEachRow(StatusMoveRows.selectByOrderSQL, [.text(orderID)]) { row in
            moves.append(try StatusMoveRows.decode(row, table: "status_moves"))
            return true
        }
        state.register = StatusRegister(moves: moves)
        return state
    }

    func shifted(_ shift: VersionShift) -> OrderMergeState {
        OrderMergeState(rows: rows.mapValues { $0.shifted(shift) }, register: register.shifted(shift))
    }
}

/// Committed merge state of the orders pushes have touched, loaded from the database on first
/// use, plus central's clock and log head. Never holds anything uncommitted: a push works on an
/// overlay (`PushLedger`) that is folded in only after its transaction commits.
final class ReplicaCache: @unchecked Sendable {
    // @unchecked Sendable: every member is used only from inside the store's write transactions,
    // which this process's one writer (`CentralDatabase`) runs one at a time; `enter()`/`leave()`
    // check that with a precondition. `committedHeadVersion` is the exception and is atomic.

    /// Orders kept before the cache is dropped and refilled from the database as needed.
    static let orderLimit = 100_000

    private(set) var orders: [String: OrderMergeState] = [:]
    /// Which order each cached row belongs to, for lookups by row key.
    private(set) var rowOrders: [RowKey: String] = [:]
    var clock: HybridLogicalClock
    var centralSequence: Int64
    var headVersion: Int64
    private let inUse = Atomic<Bool>(false)
    private let head: Atomic<Int64>
    /// The first database error of a lazy load during the current push (ledger reads cannot throw).
    var loadFailure: (any Error)?

    init(state: CentralState) {
        clock = state.clock
        centralSequence = state.centralSequence
        headVersion = state.headVersion
        head = Atomic(state.headVersion)
    }

    var committedHeadVersion: Int64 { head.load(ordering: .acquiring) }

    func enter() {
        precondition(!inUse.exchange(true, ordering: .acquiring), "ReplicaCache used by two transactions at once")
        loadFailure = nil
    }

    func leave() { inUse.store(false, ordering: .releasing) }

    /// The order's committed state, loading it on first use (an order with no rows yet is empty).
    func order(_ orderID: String, _ conn: any SQLConnection) -> OrderMergeState {
        if let cached = orders[orderID] { return cached }
        do {
            let state = try OrderMergeState.load(conn, orderID: orderID)
            orders[orderID] = state
            for key in state.rows.keys { rowOrders[key] = orderID }
            return state
        } catch {
            if loadFailure == nil { loadFailure = error }
            return OrderMergeState()
        }
    }

    /// Whether the row is cached (its order is loaded), so asking for it reads nothing.
    func holds(_ key: RowKey) -> Bool { rowOrders[key] != nil }

    /// A committed row by key, loading its order on first use.
    func row(_ key: RowKey, _ conn: any SQLConnection) -> RowState? {
        if let orderID = rowOrders[key] { return orders[orderID]?.rows[key] }
        do {
            guard let orderID = try RowCodec.orderID(of: key, conn) else { return nil }
            return order(orderID, conn).rows[key]
        } catch {
            if loadFailure == nil { loadFailure = error }
            return nil
        }
    }

    /// Catches up with what other processes committed (central on PostgreSQL, several serve
    /// processes): called first in every write transaction that uses the cache, once the
    /// transaction holds the store's write lock, so nothing can commit meanwhile (and by a push
    /// before and after the settling it does before the lock: `CentralStore.push`). Orders
    /// touched by log entries appended since the cache's head are dropped (reloaded on next use);
    /// the clock, central's sequence and the head are taken from `central_state`. With one process
    /// the row equals the cache and this is one read. Returns what the entries touched.
    @discardableResult
    func synchronize(_ conn: any SQLConnection) throws -> CatchUp {
        guard let state = try CentralState.fetch(conn) else { return .nothing }
        clock = state.clock
        centralSequence = state.centralSequence
        guard state.headVersion != headVersion else { return .nothing }
        let compactedThrough =
            try conn.fetchValue("SELECT compacted_through FROM central_state", as: Int64.self) ?? 0
        let caughtUp: CatchUp
        // Entries compacted away cannot say which orders they touched; many entries are cheaper
        // to forget wholesale than to read.
        if compactedThrough > headVersion || state.headVersion - headVersion > Int64(Self.orderLimit) {
            orders.removeAll(keepingCapacity: true)
            rowOrders.removeAll(keepingCapacity: true)
            caughtUp = .everything
        } else {
            // The entries another process appended: few, and each names its order once unpacked.
            var touched: Set<String> = []
            var touchedRows: Set<RowKey> = []
            let unpacker = try LogChangeUnpacker()
            try conn.forEachRow("SELECT change FROM log WHERE version > ?", [.integer(headVersion)]) { row in
                let change = try unpacker.change(try row.read(at: 0, table: "log", as: Data.self))
                touched.insert(change.orderID)
                touchedRows.insert(RowKey(change.entity, change.rowID))
                return true
            }
            for orderID in touched {
                guard let state = orders.removeValue(forKey: orderID) else { continue }
                for key in state.rows.keys { rowOrders.removeValue(forKey: key) }
            }
            caughtUp = .entries(orders: touched, rows: touchedRows)
        }
        headVersion = state.headVersion
        head.store(headVersion, ordering: .releasing)
        return caughtUp
    }

    /// What `synchronize` found other processes had appended to the log since the cache's head.
    enum CatchUp {
        /// Nothing: the head had not moved.
        case nothing
        /// Entries of these orders, naming these rows (the orders' cached states are dropped).
        case entries(orders: Set<String>, rows: Set<RowKey>)
        /// Too many entries, or some compacted away: the whole cache was dropped.
        case everything
    }

    /// Folds a committed push in.
    func commit(_ changed: [String: OrderMergeState], clock: HybridLogicalClock, headVersion: Int64) {
        self.clock = clock
        self.headVersion = headVersion
        head.store(headVersion, ordering: .releasing)
        if orders.count + changed.count > Self.orderLimit {
            orders.removeAll(keepingCapacity: true)
            rowOrders.removeAll(keepingCapacity: true)
            return
        }
        for (orderID, state) in changed {
            orders[orderID] = state
            for key in state.rows.keys { rowOrders[key] = orderID }
        }
    }
}

/// Rows of the `rows` table to and from SyncCore's `RowState`, in the node's layout
/// (`RowStateCodec`).
enum RowCodec {
    /// The columns `decode` reads.
    static let columns = "entity, row_id, order_id, fields, appended, tombstone"
    /// One order's rows in key order, which `rows_by_order` (order_id, then the key) gives SQLite
    /// without sorting; said in SQL so that PostgreSQL pages snapshots in the same order.
    static let selectByOrderSQL = "SELECT \(columns) FROM rows WHERE order_id = ? ORDER BY entity, row_id"

    /// A row of `rows`: a central `SQLRow`, or a GRDB row where tests read the file directly.
    static func decode(_ row: some ColumnReading) throws -> RowState {
        let key = RowKey(
            try row.read("entity", table: "rows", as: EntityKind.self), try row.read("row_id", table: "rows"))
        return try RowStateCodec.decode(row, key: key, table: "rows")
    }

    /// The order a row belongs to; nil when there is no such row.
    static func orderID(of key: RowKey, _ conn: any SQLConnection) throws -> String? {
        try conn.fetchValue(
            "SELECT order_id FROM rows WHERE entity = ? AND row_id = ?", [.text(key.entity.rawValue), .text(key.rowID)])
    }
}

extension StatusMoveRows {
    /// One order's moves in central's `status_moves` (`status_moves_by_order`).
    static let selectByOrderSQL = "SELECT \(columns) FROM status_moves WHERE order_id = ?"
}
