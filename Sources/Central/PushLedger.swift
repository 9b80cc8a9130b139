import Foundation
import StorageSupport
import SyncCore

/// `CentralLedger` over central's tables for one push, inside its write transaction: reads come
/// from the push's own overlay, then the committed `ReplicaCache`, then the database; writes
/// collect in the overlay and reach the tables in `flush`, before the commit.
struct PushLedger: CentralLedger {
    let conn: any SQLConnection
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
    /// What this push read once and asks again for most of its changes.
    let lookups: PushLookups
    /// What it stores of the changes as received, made before it took the log's lock.
    let encodings: ReceivedChangeEncodings

    init(
        conn: any SQLConnection, cache: ReplicaCache, node: NodeRecord, nodeID: String, lastSettled: Int64,
        receivedAt: String, lookups: PushLookups = PushLookups(),
        encodings: ReceivedChangeEncodings = ReceivedChangeEncodings()
    ) {
        self.conn = conn
        self.cache = cache
        self.node = node
        self.receivedAt = receivedAt
        self.lookups = lookups
        self.encodings = encodings
        self.settled = [nodeID: lastSettled]
        self.headVersion = cache.headVersion
    }

    // MARK: CentralLedger

    func row(_ key: RowKey) -> RowState? {
        lookups.readRows.insert(key)
        if let orderID = changedRowOrders[key] { return changedOrders[orderID]?.rows[key] }
        if lookups.absentRows.contains(key) { return nil }
        if let orderID = lookups.rowOrders[key] {
            lookups.readOrders.insert(orderID)
            return cache.order(orderID, conn).rows[key]
        }
        let row = cache.row(key, conn)
        if let row { lookups.readOrders.insert(row.orderID) } else { lookups.absentRows.insert(key) }
        return row
    }

    func lastSettledSequence(of nodeID: String) -> Int64 { settled[nodeID] ?? 0 }

    func recordedOutcome(of change: ChangeRef) -> ChangeOutcome? {
        record(of: change).map(\.outcome)
    }

    func receivedChangeMatches(_ change: Change) -> Bool? {
        record(of: change.ref).map { $0.changeDigest == encodings.digest(of: change) }
    }

    private func record(of change: ChangeRef) -> (changeDigest: Data, outcome: ChangeOutcome)? {
        do {
            guard
                let row = try conn.fetchOne(
                    "SELECT change_digest, outcome FROM outcomes WHERE node_id = ? AND sequence = ?",
                    [.text(change.nodeID), .integer(change.sequence)])
            else {
                return nil
            }
            let outcomeText = try row.read("outcome", table: "outcomes", as: String.self)
            return (
                try row.read("change_digest", table: "outcomes", as: Data.self),
                try ChangeOutcome.decode(Array(outcomeText.utf8))
            )
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
        let account: PushLookups.Account?
        do {
            if let known = lookups.accounts[change.author] {
                account = known
            } else {
                account = try PushLookups.account(change.author, conn)
                lookups.accounts[change.author] = .some(account)
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
        lookups.readOrders.insert(orderID)
        if let shop = newOrderShops[orderID] { return shop }
        if let known = lookups.shops[orderID] { return known }
        let shop: String? = try conn.fetchValue("SELECT shop FROM order_shops WHERE order_id = ?", [.text(orderID)])
        lookups.shops[orderID] = .some(shop)
        return shop
    }

    /// The shops of the orders the push logged changes of (whom its stream event concerns), from
    /// what the push already knows: no question per order while the log's lock is held.
    func loggedShops() throws -> Set<String> {
        var shops: Set<String> = []
        for orderID in Set(logEntries.map(\.change.orderID)) {
            if let shop = try orderShop(orderID) { shops.insert(shop) }
        }
        return shops
    }

    mutating func merge(_ change: Change, version: Int64) -> MergeReport {
        let orderID = change.orderID
        lookups.readOrders.insert(orderID)
        if change.nodeID != ChangeValidator.centralNodeID, newOrderShops[orderID] == nil {
            do {
                if try orderShop(orderID) == nil { newOrderShops[orderID] = node.shop }
            } catch {
                if cache.loadFailure == nil { cache.loadFailure = error }
            }
        }
        // Taken out while it changes, so the dictionaries are not copied on write. An order this
        // push created had no shop, so nothing at central: it has no rows or moves to load.
        var state =
            changedOrders.removeValue(forKey: orderID)
            ?? (newOrderShops[orderID] != nil ? OrderMergeState() : cache.order(orderID, conn))
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

    /// Moves what the push settled from the head it was worked out at onto a later one
    /// (`CentralStore.push`, SYNC-PROTOCOL §4.12).
    mutating func shiftVersions(_ shift: VersionShift) {
        changedOrders = changedOrders.mapValues { $0.shifted(shift) }
        newMoves = newMoves.map { ($0.orderID, $0.move.shifted(shift)) }
        logEntries = logEntries.map { $0.shifted(shift) }
        records = records.map { ($0.change, $0.outcome.shifted(shift)) }
        headVersion += shift.offset
    }

    // MARK: Writing

    /// Writes everything the push did to the tables (the caller commits): one batch per table
    /// (`insertMany`, `executeMany`), which PostgreSQL sends as one pipeline of multi-row inserts.
    func flush() throws {
        if let failure = cache.loadFailure { throw failure }
        var rowValues: [[SQLValue]] = []
        rowValues.reserveCapacity(dirtyRows.count)
        for key in dirtyRows {
            guard let orderID = changedRowOrders[key], let row = changedOrders[orderID]?.rows[key] else { continue }
            let stored = RowStateCodec.columns(of: row)
            rowValues.append([
                .text(key.entity.rawValue), .text(key.rowID), .text(orderID), .blob(stored.fields),
                stored.appended.sqlValue, stored.tombstone.sqlValue,
            ])
        }
        try conn.insertMany(Self.upsertRows, rowValues)
        try conn.insertMany(
            Self.insertMoves, newMoves.map { orderID, move in StatusMoveRows.values(move, orderID: orderID) })
        try conn.insertMany(
            SQLInsert(into: "order_shops", columns: ["order_id", "shop", "node_name"], "ON CONFLICT DO NOTHING"),
            newOrderShops.map { orderID, shop in [.text(orderID), .text(shop), .text(node.name)] })
        let packer = try LogChangePacker()
        try conn.insertMany(
            SQLInsert(into: "log", columns: ["version", "change", "displaced"]),
            try logEntries.map { entry in
                [
                    .integer(entry.version), .blob(try encodings.packed(entry.change, packer: packer)),
                    .text(JSONValue.array(entry.displaced.map(\.wire)).canonicalString),
                ]
            })
        // Each entry filed under its order's shop, for scoped pulls; an order without a shop (none
        // today) is read by 'all' registrations only.
        var filed: [[SQLValue]] = []
        for entry in logEntries {
            if let shop = try orderShop(entry.change.orderID) { filed.append([.text(shop), .integer(entry.version)]) }
        }
        try conn.insertMany(SQLInsert(into: "log_shops", columns: ["shop", "version"]), filed)
        try conn.insertMany(
            SQLInsert(into: "outcomes", columns: ["node_id", "sequence", "change_digest", "outcome"]),
            records.map { change, outcome in
                [
                    .text(change.nodeID), .integer(change.sequence), .blob(encodings.digest(of: change)),
                    .text(outcome.wire.canonicalString),
                ]
            })
        try conn.insertMany(
            CentralStore.auditInsert,
            records.map { change, outcome in
                CentralStore.auditValues(
                    CentralStore.auditEntry(
                        change: change, outcome: outcome, nodeName: node.name, receivedAt: receivedAt))
            })
        try conn.executeMany(
            "UPDATE nodes SET last_settled_sequence = ? WHERE node_id = ?",
            settled.map { nodeID, sequence in [.integer(sequence), .text(nodeID)] })
    }

    /// Stores rows' merge states, replacing those stored before; `dirtyRows` names each row once,
    /// as a multi-row `DO UPDATE` needs.
    static let upsertRows = SQLInsert(
        into: "rows", columns: ["entity", "row_id", "order_id", "fields", "appended", "tombstone"],
        """
        ON CONFLICT (entity, row_id) DO UPDATE SET order_id = excluded.order_id, fields = excluded.fields,
          appended = excluded.appended, tombstone = excluded.tombstone
        """)

    /// A move already stored (the same node and sequence) is left as it is.
    static let insertMoves = StatusMoveRows.insert("status_moves", conflictClause: "ON CONFLICT DO NOTHING")
}

/// What one push reads once and then asks again for most of its changes: its authors' accounts,
/// its orders' shops, and the row keys it found absent (a new row is looked up by the rules and
/// again by the merge). Valid for the push's transaction only. The shops and rows are read
/// first, before the store's write lock (`prefetch`), and what other processes changed of them
/// meanwhile is forgotten once the lock is held (`forget`); the accounts are read under the lock.
/// A class: the ledger's reads are non-mutating.
final class PushLookups {
    struct Account: Equatable {
        var role: StaffRole
        var disabled: Bool
    }

    /// By e-mail; `.some(nil)`: no such account.
    var accounts: [String: Account?] = [:]
    /// By order id; `.some(nil)`: an order central does not know yet.
    var shops: [String: String?] = [:]
    var absentRows: Set<RowKey> = []
    /// The order of each row key found (`prefetch`), so the row's order is loaded without asking.
    var rowOrders: [RowKey: String] = [:]
    /// Every order and row the push's settlement read, found or not: what must not have changed
    /// when it is settled before the log's lock (`PushDraft`).
    var readOrders: Set<String> = []
    var readRows: Set<RowKey> = []

    static func account(_ email: String, _ conn: any SQLConnection) throws -> Account? {
        try conn.fetchOne("SELECT role, disabled FROM accounts WHERE email = ?", [.text(email)]).map { row in
            Account(
                role: try row.read("role", table: "accounts", as: StaffRole.self),
                disabled: try row.read("disabled", table: "accounts", as: Bool.self))
        }
    }

    /// Whether the accounts read are still as they were.
    func accountsUnchanged(_ conn: any SQLConnection) throws -> Bool {
        for (email, account) in accounts where try Self.account(email, conn) != account { return false }
        return true
    }
}
