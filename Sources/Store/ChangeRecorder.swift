import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Records the changes of one local edit inside its transaction: each change gets the next HLC
/// tick and the next gap-free outbox sequence, its synced fields get their stamps, and the clock,
/// the sequence and the order-number counter are written back to `node_state`, in one statement,
/// before the transaction commits.
///
/// The clock state is read inside the (immediate) transaction, not cached, so two `kct`
/// processes writing the same replica never hand out the same sequence or a smaller HLC.
struct ChangeRecorder {
    let nodeID: String
    /// Who makes the edit; every change is checked against their role before it is queued.
    let actor: StaffActor
    /// This workstation's shop: edits of another shop's orders are refused.
    let shopCode: String
    var author: String { actor.email }
    /// Orders already checked to belong to this shop in this edit.
    private var ownOrders: Set<String> = []
    /// Wall time of the edit; also the `created_at` of its rows.
    let nowMillis: UInt64
    private(set) var clock: HybridLogicalClock
    private(set) var lastSequence: Int64
    /// The last local order-number sequence handed out (`nextOrderNumberSequence()`).
    private(set) var orderNumberLast: Int64
    /// The pull cursor at edit time: every change of this edit carries it as `base_version`.
    let baseVersion: Int64
    private(set) var changes: [Change] = []

    /// `nowMillis` as stored text, formatted once per edit.
    let nowText: String
    var nowSeconds: Double { Double(nowMillis) / 1000 }

    init(_ db: Database, nodeID: String, actor: StaffActor, shopCode: String, nowMillis: UInt64) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT hlc_last, outbox_last_sequence, order_number_last, pull_cursor FROM node_state,
                          sync_state
                        """))
        else {
            throw StoreError.corruptValue(table: "node_state", column: "singleton", value: "missing")
        }
        self.nodeID = nodeID
        self.actor = actor
        self.shopCode = shopCode
        self.nowMillis = nowMillis
        self.nowText = Timestamp.format(millis: nowMillis)
        self.clock = HybridLogicalClock(last: try row.value("hlc_last", table: "node_state"))
        self.lastSequence = row["outbox_last_sequence"]
        self.orderNumberLast = row["order_number_last"]
        self.baseVersion = row["pull_cursor"]
    }

    /// Appends one change to the outbox and stamps what it wrote:
    /// - a change that creates a row (`createsRow`: an order's or item's first `set_fields`, an
    ///   exception's `append`) gets one `row_stamps` entry, the stamp of every field it set;
    /// - a later `set_fields` gets a `field_stamps` entry per field; a `set_status` stamps the
    ///   order's `status` and `resume_status` (its note belongs to the history row);
    /// - an `append` to an immutable log gets none (its row carries `hlc` and `node_id`);
    /// - a `delete` drops the row's stamps and leaves a tombstone.
    mutating func record(
        _ db: Database, entity: EntityKind, rowID: String, orderID: String, operation: ChangeOperation,
        fields: [String: FieldValue], createsRow: Bool = false
    ) throws {
        let hlc = try clock.tick(nowMillis: nowMillis)
        lastSequence += 1
        let change = Change(
            nodeID: nodeID, sequence: lastSequence, hlc: hlc, entity: entity, rowID: rowID, orderID: orderID,
            operation: operation, fields: fields, author: author, baseVersion: baseVersion)
        try authorize(db, change, rowExists: !createsRow)
        let encodedFields = OutboxCodec.encode(fields)
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox (sequence, hlc, entity, row_id, order_id, op, fields, author, created_at,
                  base_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            lastSequence, hlc, entity.rawValue, rowID, orderID, operation.rawValue,
            encodedFields, author, nowText, baseVersion,
        ])
        let arguments: StatementArguments = [entity.rawValue, rowID, hlc, nodeID]
        switch operation {
        case _ where createsRow:
            try db.cachedStatement(
                sql: """
                    INSERT INTO row_stamps (entity, row_id, hlc, node_id) VALUES (?, ?, ?, ?)
                    ON CONFLICT (entity, row_id) DO UPDATE SET hlc = excluded.hlc, node_id = excluded.node_id
                    """
            ).execute(arguments: arguments)
        case .setFields:
            // One statement stamps every field: SQLite walks the keys of the encoded fields.
            try db.cachedStatement(
                sql: """
                    INSERT INTO field_stamps (entity, row_id, field, hlc, node_id)
                    SELECT ?, ?, key, ?, ? FROM json_each(?) WHERE true
                    ON CONFLICT (entity, row_id, field) DO UPDATE SET hlc = excluded.hlc, node_id = excluded.node_id
                    """
            ).execute(arguments: arguments + [encodedFields])
        case .setStatus:
            // A status move always sets both (`resume_status` to null when not suspended).
            assert(
                fields["status"] != nil && fields["resume_status"] != nil, "set_status without status and resume_status"
            )
            try db.cachedStatement(
                sql: """
                    INSERT INTO field_stamps (entity, row_id, field, hlc, node_id)
                    VALUES (?1, ?2, 'status', ?3, ?4), (?1, ?2, 'resume_status', ?3, ?4)
                    ON CONFLICT (entity, row_id, field) DO UPDATE SET hlc = excluded.hlc, node_id = excluded.node_id
                    """
            ).execute(arguments: arguments)
        case .append:
            break
        case .delete:
            try db.cachedStatement(sql: "DELETE FROM field_stamps WHERE entity = ? AND row_id = ?")
                .execute(arguments: [entity.rawValue, rowID])
            try db.cachedStatement(sql: "DELETE FROM row_stamps WHERE entity = ? AND row_id = ?")
                .execute(arguments: [entity.rawValue, rowID])
            try db.cachedStatement(
                sql: """
                    INSERT INTO tombstones (entity, row_id, order_id, hlc, node_id) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (entity, row_id) DO UPDATE SET hlc = excluded.hlc, node_id = excluded.node_id
                    """
            ).execute(arguments: [entity.rawValue, rowID, orderID, hlc, nodeID])
        }
        changes.append(change)
    }

    /// Nothing is queued that the permission matrix refuses for the actor's role, or that
    /// touches another shop's order. `rowExists` comes from the write path, which knows from the
    /// replica before the edit whether the change creates its row. Throwing rolls the whole
    /// edit back.
    private mutating func authorize(_ db: Database, _ change: Change, rowExists: Bool) throws {
        do throws(Rejection) {
            try PermissionMatrix.authorize(change, role: actor.role, rowExists: rowExists)
        } catch {
            throw StoreError.forbidden(error)
        }
        // An order this edit creates is this shop's; no need to look it up.
        if change.entity == .order, !rowExists { ownOrders.insert(change.orderID) }
        guard !ownOrders.contains(change.orderID) else { return }
        if let number = try String.fetchOne(
            db.cachedStatement(sql: "SELECT order_number FROM orders WHERE id = ?"), arguments: [change.orderID])
        {
            let orderShop = number.split(separator: "-").first.map(String.init) ?? number
            guard orderShop == shopCode else {
                throw StoreError.wrongShop(orderNumber: number, orderShop: orderShop, thisShop: shopCode)
            }
        }
        ownOrders.insert(change.orderID)
    }

    /// The HLC of the last change recorded (for rows that carry their own stamp).
    var lastHLC: HLC { clock.last }

    /// The sequence of this workstation's next order number (gap-free, never reused).
    mutating func nextOrderNumberSequence() -> Int64 {
        orderNumberLast += 1
        return orderNumberLast
    }

    /// Writes the clock, outbox sequence and order-number counter back; called once, just
    /// before commit.
    func finish(_ db: Database) throws {
        try db.cachedStatement(
            sql: "UPDATE node_state SET hlc_last = ?, outbox_last_sequence = ?, order_number_last = ?"
        )
        .execute(arguments: [clock.last, lastSequence, orderNumberLast])
    }
}

/// The outbox's `fields` column: the change's fields as one JSON object with sorted keys.
/// Encoded by hand into UTF-8 bytes because it runs for every change on the write path
/// (appending to a `String` scalar by scalar cost ~5% of a created order's CPU time), strings
/// escaped by the protocol's canonical writer; decoded
/// with `JSONDecoder` (`FieldValue`'s Codable form is the same document).
enum OutboxCodec {
    static func encode(_ fields: [String: FieldValue]) -> String {
        var json: [UInt8] = []
        json.reserveCapacity(512)
        json.append(UInt8(ascii: "{"))
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &json)
            json.append(UInt8(ascii: ":"))
            appendValue(fields[key]!, to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    /// One value as a JSON document (the conflicts table's `wanted`).
    static func encode(_ value: FieldValue) -> String {
        var json: [UInt8] = []
        appendValue(value, to: &json)
        return String(decoding: json, as: UTF8.self)
    }

    static func appendValue(_ value: FieldValue, to json: inout [UInt8]) {
        switch value {
        case .null: json.append(contentsOf: "null".utf8)
        case .integer(let value): json.append(contentsOf: String(value).utf8)
        case .real(let value): json.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
        case .text(let value): JSONValue.writeString(value, to: &json)
        case .bool(let value): json.append(contentsOf: (value ? "true" : "false").utf8)
        }
    }

    static func decodeValue(_ text: String) throws -> FieldValue {
        try JSONDecoder().decode(FieldValue.self, from: Data(text.utf8))
    }

    static func decode(_ text: String) throws -> [String: FieldValue] {
        try JSONDecoder().decode([String: FieldValue].self, from: Data(text.utf8))
    }
}

extension OrderStore {
    /// The single write path: runs `body` in one immediate transaction with a `ChangeRecorder`,
    /// and commits rows, stamps, outbox entries and clock together. Any error rolls everything
    /// back, so a refused edit (a broken rule, a role that does not allow it, another shop's
    /// order) leaves no row and no outbox entry.
    func edit<T>(by actor: StaffActor, _ body: (Database, inout ChangeRecorder) throws -> T) throws(StoreError) -> T {
        let nowMillis = wallClockMillis()
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    var recorder = try ChangeRecorder(
                        db, nodeID: identity.nodeID, actor: actor, shopCode: identity.shopCode, nowMillis: nowMillis)
                    result = try body(db, &recorder)
                    try recorder.finish(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
