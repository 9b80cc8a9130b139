import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Reading and writing the confirmed replica (`confirmed_rows`, `confirmed_status_moves`): the one
/// place that knows their layout (`ConfirmedState+Layout.swift`).
enum ConfirmedState {
    static let columns = "entity, row_id, order_id, fields, appended, tombstone"

    static func row(_ db: Database, _ key: RowKey, orderID: String) throws -> RowState? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(columns) FROM confirmed_rows WHERE order_id = ? AND entity = ? AND row_id = ?"),
                arguments: StatementArguments(keyArguments(key, orderID: orderID)))
        else { return nil }
        return try decode(row)
    }

    /// Every confirmed row of one order; rows in `known` (the same state, already decoded) are
    /// taken from it.
    static func rows(_ db: Database, orderID: String, known: [RowKey: RowState] = [:]) throws -> [RowKey: RowState] {
        var rows: [RowKey: RowState] = [:]
        let cursor = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT \(columns) FROM confirmed_rows WHERE order_id = ?"),
            arguments: [storedID(orderID)])
        while let row = try cursor.next() {
            let state = try decode(row)
            let key = RowKey(state.entity, state.rowID)
            rows[key] = known[key] ?? state
        }
        return rows
    }

    /// How many keys one prefetch statement looks up; a short last chunk repeats its last key,
    /// so one prepared statement serves every chunk.
    static let prefetchChunk = 100
    /// A join from the keys (CROSS JOIN keeps that order): `(…) IN (VALUES …)` scans the whole
    /// table.
    static let prefetchSQL =
        "SELECT c.entity, c.row_id, c.order_id, c.fields, c.appended, c.tombstone FROM (VALUES "
        + Array(repeating: "(?, ?, ?)", count: prefetchChunk).joined(separator: ", ")
        + ") AS k CROSS JOIN confirmed_rows AS c ON c.order_id = k.column1 AND c.entity = k.column2"
        + " AND c.row_id = k.column3"

    /// The confirmed rows of `keys` (each in its order) that exist, in one statement per
    /// `prefetchChunk` keys.
    static func rows(_ db: Database, keys: [(key: RowKey, orderID: String)]) throws -> [RowKey: RowState] {
        var rows: [RowKey: RowState] = [:]
        let statement = try db.cachedStatement(sql: prefetchSQL)
        for start in stride(from: 0, to: keys.count, by: prefetchChunk) {
            var arguments: [DatabaseValue] = []
            arguments.reserveCapacity(prefetchChunk * 3)
            for index in 0..<prefetchChunk {
                let wanted = keys[min(start + index, keys.count - 1)]
                arguments += keyArguments(wanted.key, orderID: wanted.orderID)
            }
            let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(databaseValues: arguments))
            while let row = try cursor.next() {
                let state = try decode(row)
                rows[RowKey(state.entity, state.rowID)] = state
            }
        }
        return rows
    }

    static func save(_ db: Database, _ state: RowState) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO confirmed_rows (order_id, entity, row_id, fields, appended, tombstone)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (order_id, entity, row_id) DO UPDATE SET fields = excluded.fields,
                  appended = excluded.appended, tombstone = excluded.tombstone
                """
        )
        let stored = RowStateCodec.columns(of: state)
        try statement.execute(
            binding: keyArguments(RowKey(state.entity, state.rowID), orderID: state.orderID)
                + [stored.fields.databaseValue, stored.appended.databaseValue, stored.tombstone.databaseValue])
    }

    /// Those of `orderIDs` the confirmed replica holds anything of: a primary-key probe per order
    /// in each table (rows are clustered by order, moves keyed by it), so an id stored as 16
    /// bytes and one stored as text are found alike.
    static func orderIDs(_ db: Database, among orderIDs: some Sequence<String>) throws -> Set<String> {
        let row = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM confirmed_rows WHERE order_id = ?)")
        let move = try db.cachedStatement(
            sql: "SELECT EXISTS (SELECT 1 FROM confirmed_status_moves WHERE order_id = ?)")
        var held: Set<String> = []
        for orderID in orderIDs {
            if try Bool.fetchOne(row, arguments: [storedID(orderID)]) == true
                || Bool.fetchOne(move, arguments: [orderID]) == true
            {
                held.insert(orderID)
            }
        }
        return held
    }

    /// SELECTs of the order ids the confirmed replica holds anything of, to UNION with others.
    static let orderIDSelects = [
        "SELECT \(orderIDText) FROM confirmed_rows", "SELECT order_id FROM confirmed_status_moves",
    ]

    /// A SELECT of the order ids with a confirmed row of `entity`, to UNION with others. Rows are
    /// clustered by order: for integration requests it reads their own partial index
    /// (`confirmed_rows_integration_requests`), for any other entity the whole table.
    static func orderIDsSelect(entity: EntityKind) -> String {
        "SELECT \(orderIDText) FROM confirmed_rows WHERE entity = \(entityCode(entity))"
    }

    /// Forgets everything confirmed of one order (a checksum repair rewrites it from central's).
    static func remove(_ db: Database, orderID: String) throws {
        try db.cachedStatement(sql: "DELETE FROM confirmed_rows WHERE order_id = ?").execute(arguments: [
            storedID(orderID)
        ])
        try db.cachedStatement(sql: "DELETE FROM confirmed_status_moves WHERE order_id = ?").execute(arguments: [
            orderID
        ])
    }

    static func register(_ db: Database, orderID: String) throws -> StatusRegister {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT \(StatusMoveRows.columns) FROM confirmed_status_moves WHERE order_id = ?"),
            arguments: [orderID])
        guard !rows.isEmpty else { return StatusRegister() }
        return StatusRegister(
            moves: try rows.map { row in try StatusMoveRows.decode(row, table: "confirmed_status_moves") })
    }

    static let saveMoveSQL = StatusMoveRows.insertSQL(
        "confirmed_status_moves",
        conflictClause:
            "ON CONFLICT (order_id, node_id, sequence) DO UPDATE SET version = excluded.version, hlc = excluded.hlc")

    static func save(_ db: Database, orderID: String, _ register: StatusRegister) throws {
        for move in register.moves {
            try db.cachedStatement(sql: saveMoveSQL).execute(
                binding: StatusMoveRows.databaseValues(move, orderID: orderID))
        }
    }
}

/// The confirmed rows and registers a page or reply touches, loaded once and written back once
/// (`flush`), merged with SyncCore's `RowState.merge` / `StatusRegister.merge`. It remembers
/// which fields of which rows the merged changes named, so only those are re-projected.
struct ConfirmedBatch {
    private(set) var rows: [RowKey: RowState] = [:]
    private(set) var registers: [String: StatusRegister] = [:]
    /// Per touched row, the fields the merged changes carried (`status` for a status move);
    /// nil for a delete or an append, which re-project the whole row.
    private(set) var touched: [RowKey: Set<String>?] = [:]
    /// Per merged order row, what the replica confirmed of it before this batch (nil: nothing),
    /// so that re-projection can leave the columns whose value stayed as they are.
    private(set) var orderRowsBefore: [RowKey: RowState?] = [:]
    /// Rows looked up ahead by `prefetch` (nil: not confirmed yet), not merged yet.
    private var prefetched: [RowKey: RowState?] = [:]
    /// Orders the replica holds nothing of, confirmed or pending (`OrderStore.freshOrderIDs`):
    /// their rows and registers start empty without a lookup of their own, and `takeFreshOrders`
    /// hands them to `OrderStore.insertFresh` instead of `flush` and re-projection.
    var freshOrders: Set<String> = []

    /// Looks up in one go the confirmed rows `changes` will merge into, instead of one statement
    /// per change.
    mutating func prefetch(_ db: Database, _ changes: some Sequence<Change>) throws {
        var keys: [(key: RowKey, orderID: String)] = []
        var seen: Set<RowKey> = []
        for change in changes where change.operation != .setStatus {
            let key = RowKey(change.entity, change.rowID)
            if rows[key] == nil, prefetched[key] == nil, seen.insert(key).inserted {
                keys.append((key, change.orderID))
            }
        }
        guard !keys.isEmpty else { return }
        let found = try ConfirmedState.rows(db, keys: keys)
        for wanted in keys { prefetched[wanted.key] = .some(found[wanted.key]) }
    }

    /// The orders of which `prefetch` found a confirmed row: none of them is fresh.
    var prefetchedOrderIDs: Set<String> { Set(prefetched.values.compactMap { $0?.orderID }) }

    mutating func merge(_ db: Database, _ change: Change, version: Int64) throws -> MergeResult {
        let key = RowKey(change.entity, change.rowID)
        if change.operation == .setStatus {
            var register =
                try registers[change.orderID]
                ?? (freshOrders.contains(change.orderID)
                    ? StatusRegister() : ConfirmedState.register(db, orderID: change.orderID))
            let result = register.merge(change, version: version)
            registers[change.orderID] = register
            note(key, fields: ["status"])
            return result
        }
        let confirmed: RowState?
        if let known = rows[key] {
            confirmed = known
        } else if let looked = prefetched.removeValue(forKey: key) {
            confirmed = looked
        } else if freshOrders.contains(change.orderID) {
            confirmed = nil
        } else {
            confirmed = try ConfirmedState.row(db, key, orderID: change.orderID)
        }
        if key.entity == .order, rows[key] == nil { orderRowsBefore[key] = .some(confirmed) }
        var row = confirmed ?? RowState(entity: change.entity, rowID: change.rowID, orderID: change.orderID)
        let result = row.merge(change, version: version)
        rows[key] = row
        note(key, fields: change.operation == .setFields ? Set(change.fields.keys) : nil)
        return result
    }

    private mutating func note(_ key: RowKey, fields: Set<String>?) {
        switch (touched[key], fields) {
        case (nil, _): touched[key] = .some(fields)
        case (.some(.some(let known)), .some(let more)): touched[key] = .some(known.union(more))
        default: touched[key] = .some(nil)
        }
    }

    /// Takes the merged state of `freshOrders` out of the batch, by order id: their rows and
    /// moves are what the replica confirms of them, so neither `flush` nor re-projection sees them.
    mutating func takeFreshOrders() -> [SnapshotOrder] {
        guard !freshOrders.isEmpty else { return [] }
        var fresh: [String: SnapshotOrder] = [:]
        for (key, row) in rows where freshOrders.contains(row.orderID) {
            fresh[row.orderID, default: SnapshotOrder(orderID: row.orderID, rows: [], moves: [])].rows.append(row)
            rows[key] = nil
        }
        for (orderID, register) in registers where freshOrders.contains(orderID) {
            fresh[orderID, default: SnapshotOrder(orderID: orderID, rows: [], moves: [])].moves = register.moves
            registers[orderID] = nil
        }
        // An order row's key (a status move's too) holds its id; a fresh order's other rows
        // left `rows` above.
        touched = touched.filter { key, _ in
            key.entity == .order ? !freshOrders.contains(key.rowID) : rows[key] != nil
        }
        return fresh.keys.sorted().map { orderID in
            var order = fresh[orderID]!
            order.rows.sort { $0.key < $1.key }
            return order
        }
    }

    func flush(_ db: Database) throws {
        for row in rows.values { try ConfirmedState.save(db, row) }
        for (orderID, register) in registers { try ConfirmedState.save(db, orderID: orderID, register) }
    }
}
