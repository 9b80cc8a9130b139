import Foundation
import GRDB
import StorageSupport
import SyncCore

/// `CentralLedger` over central's tables for one push, inside its write transaction: reads come
/// from the push's own overlay, then the committed `ReplicaCache`, then the database; writes
/// collect in the overlay and reach the tables in `flush`, before the commit.
struct PushLedger: CentralLedger {
    let db: Database
    let cache: ReplicaCache
    /// Orders this push changed, with their full merge state.
    private(set) var changedOrders: [String: OrderMergeState] = [:]
    private var changedRowOrders: [RowKey: String] = [:]
    private var dirtyRows: [RowKey] = []
    private var dirtyRowSet: Set<RowKey> = []
    private var newMoves: [(orderID: String, move: StatusMove)] = []
    private(set) var logEntries: [LogEntry] = []
    private var records: [(change: Change, outcome: ChangeOutcome)] = []
    private var settled: [String: Int64]
    private(set) var headVersion: Int64
    /// The pushing node's registration: its shop judges `wrong_shop` and owns the orders it creates.
    let node: NodeRecord
    /// When the push arrived, for the audit trail.
    let receivedAt: String
    /// Shops of the orders this push created.
    private var newOrderShops: [String: String] = [:]

    init(db: Database, cache: ReplicaCache, node: NodeRecord, nodeID: String, lastSettled: Int64, receivedAt: String) {
        self.db = db
        self.cache = cache
        self.node = node
        self.receivedAt = receivedAt
        self.settled = [nodeID: lastSettled]
        self.headVersion = cache.headVersion
    }

    // MARK: CentralLedger

    func row(_ key: RowKey) -> RowState? {
        if let orderID = changedRowOrders[key] { return changedOrders[orderID]?.rows[key] }
        return cache.row(key, db)
    }

    func lastSettledSequence(of nodeID: String) -> Int64 { settled[nodeID] ?? 0 }

    func recordedOutcome(of change: ChangeRef) -> ChangeOutcome? {
        record(of: change).map(\.outcome)
    }

    func receivedChangeMatches(_ change: Change) -> Bool? {
        record(of: change.ref).map { $0.changeDigest == ReceivedChangeDigest.of(change) }
    }

    private func record(of change: ChangeRef) -> (changeDigest: Data, outcome: ChangeOutcome)? {
        do {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT change_digest, outcome FROM outcomes WHERE node_id = ? AND sequence = ?",
                    arguments: [change.nodeID, change.sequence])
            else {
                return nil
            }
            let outcomeText: String = row["outcome"]
            return (row["change_digest"], try ChangeOutcome.decode(Array(outcomeText.utf8)))
        } catch {
            if cache.loadFailure == nil { cache.loadFailure = error }
            return nil
        }
    }

    /// PERMISSIONS.md, "At central": the author's account as central knows it now (unknown,
    /// disabled, role); the order's shop was checked first (`admit`, PushLedger+Scopes.swift).
    /// Central's own changes are exempt. Accounts are read inside the push's transaction, so a change made
    /// by `kct central set-role` in another process counts from the next push on.
    func authorize(_ change: Change) throws(Rejection) {
        guard change.nodeID != ChangeValidator.centralNodeID else { return }
        let account: (role: StaffRole, disabled: Bool)?
        do {
            let statement = try db.cachedStatement(sql: "SELECT role, disabled FROM accounts WHERE email = ?")
            account = try Row.fetchOne(statement, arguments: [change.author]).map { row in
                (try row.value("role", table: "accounts", as: StaffRole.self), row["disabled"])
            }
        } catch {
            // The push fails in `flush` with this error; nothing is committed.
            if cache.loadFailure == nil { cache.loadFailure = error }
            return
        }
        guard let account else {
            throw Rejection(
                .unknownAuthor,
                "\(change.author) is not a staff account at central; changes need the signed-in person's account e-mail"
            )
        }
        guard !account.disabled else {
            throw Rejection(.accountDisabled, "the account \(change.author) is disabled at central")
        }
        try PermissionMatrix.authorize(change, role: account.role, against: self)
    }

    func orderShop(_ orderID: String) throws -> String? {
        if let shop = newOrderShops[orderID] { return shop }
        return try String.fetchOne(
            try db.cachedStatement(sql: "SELECT shop FROM order_shops WHERE order_id = ?"), arguments: [orderID])
    }

    mutating func merge(_ change: Change, version: Int64) -> MergeReport {
        let orderID = change.orderID
        if change.nodeID != ChangeValidator.centralNodeID, newOrderShops[orderID] == nil {
            do {
                if try orderShop(orderID) == nil { newOrderShops[orderID] = node.shop }
            } catch {
                if cache.loadFailure == nil { cache.loadFailure = error }
            }
        }
        // Taken out while it changes, so the dictionaries are not copied on write.
        var state = changedOrders.removeValue(forKey: orderID) ?? cache.order(orderID, db)
        let result: MergeResult
        if change.operation == .setStatus {
            result = state.register.merge(change, version: version)
            if let move = StatusMove(change, version: version) { newMoves.append((orderID, move)) }
        } else {
            let key = RowKey(change.entity, change.rowID)
            var row =
                state.rows.removeValue(forKey: key)
                ?? RowState(entity: change.entity, rowID: change.rowID, orderID: orderID)
            result = row.merge(change, version: version)
            state.rows[key] = row
            changedRowOrders[key] = orderID
            if dirtyRowSet.insert(key).inserted { dirtyRows.append(key) }
        }
        changedOrders[orderID] = state
        return MergeReport(change: change.ref, result: result, touchedOrder: orderID)
    }

    mutating func appendLog(_ entry: LogEntry) {
        logEntries.append(entry)
        headVersion = entry.version
    }

    mutating func record(_ outcome: ChangeOutcome, of change: Change) {
        records.append((change, outcome))
        settled[change.nodeID] = change.sequence
    }

    // MARK: Writing

    /// Writes everything the push did to the tables (the caller commits).
    func flush() throws {
        if let failure = cache.loadFailure { throw failure }
        let upsertRow = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO rows (entity, row_id, order_id, fields, appended, tombstone) VALUES (?, ?, ?,
                  ?, ?, ?)
                """)
        for key in dirtyRows {
            guard let orderID = changedRowOrders[key], let row = changedOrders[orderID]?.rows[key] else { continue }
            let stored = RowStateCodec.columns(of: row)
            try upsertRow.execute(arguments: [
                key.entity.rawValue, key.rowID, orderID, stored.fields, stored.appended, stored.tombstone,
            ])
        }
        let insertMove = try db.cachedStatement(sql: StatusMoveRows.insertSQL("status_moves", orIgnore: true))
        for (orderID, move) in newMoves {
            try insertMove.execute(arguments: StatusMoveRows.arguments(move, orderID: orderID))
        }
        // Before the log: its trigger files each entry under its order's shop (log_shops).
        let insertShop = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO order_shops (order_id, shop, node_name) VALUES (?, ?, ?)")
        for (orderID, shop) in newOrderShops {
            try insertShop.execute(arguments: [orderID, shop, node.name])
        }
        let insertLog = try db.cachedStatement(sql: "INSERT INTO log (version, change, displaced) VALUES (?, ?, ?)")
        for entry in logEntries {
            try insertLog.execute(arguments: [
                entry.version, entry.change.wire.canonicalString,
                JSONValue.array(entry.displaced.map(\.wire)).canonicalString,
            ])
        }
        let insertOutcome = try db.cachedStatement(
            sql: "INSERT INTO outcomes (node_id, sequence, change_digest, outcome) VALUES (?, ?, ?, ?)")
        for (change, outcome) in records {
            try insertOutcome.execute(arguments: [
                change.nodeID, change.sequence, ReceivedChangeDigest.of(change), outcome.wire.canonicalString,
            ])
            try CentralStore.appendAudit(
                db,
                CentralStore.auditEntry(change: change, outcome: outcome, nodeName: node.name, receivedAt: receivedAt))
        }
        for (nodeID, sequence) in settled {
            try db.execute(
                sql: "UPDATE nodes SET last_settled_sequence = ? WHERE node_id = ?", arguments: [sequence, nodeID])
        }
    }
}
