import Foundation
import GRDB
import OrderDomain
import StorageSupport
import SyncCore

/// Where a conflict stands for staff.
package enum ConflictState: String, CaseIterable, Sendable {
    case open, dismissed, reapplied
}

/// One of this node's edits that lost a conflict rule or was rejected by central, with
/// everything staff need to judge it: which order, what it wanted, what won, who, when, where, why.
package struct ConflictRecord: Hashable, Sendable {
    package var id: Int64
    /// The losing change's outbox sequence on this node.
    package var sequence: Int64
    /// The field that lost; nil when the whole change did (a rejection, an append collision).
    package var field: String?
    package var orderID: String
    package var orderNumber: String?
    package var entity: EntityKind
    package var rowID: String
    package var operation: ChangeOperation
    /// What the field wanted; for a whole change see `changeFields`.
    package var wanted: FieldValue
    /// Everything the losing change carried.
    package var changeFields: [String: FieldValue]
    /// The value in effect and the change that wrote it (nil for a rejection).
    package var winner: StampedValue?
    /// True for a rejection (a business rule or permission), false for a lost rule.
    package var rejected: Bool
    /// The rule (`newer_value`, `order_closed`, …) or rejection code (`illegal_transition`, …).
    package var code: String
    package var message: String
    package var author: String
    /// When the losing edit was made (its HLC).
    package var madeAt: HLC
    /// The workstation (this node's name) that made it.
    package var workstation: String
    package var recordedAt: String
    package var state: ConflictState
    package var settledAt: String?
    package var settledBy: String?
    /// The outbox sequence of the edit that re-applied it.
    package var reappliedSequence: Int64?
}

extension OrderStore {
    /// Records one lost edit, once per (sequence, field); returns 1 when it was new.
    func recordConflict(_ db: Database, _ conflict: NodeConflict, now: String) throws -> Int {
        let orderNumber =
            try String.fetchOne(
                db.cachedStatement(sql: "SELECT order_number FROM orders WHERE id = ?"),
                arguments: [conflict.change.orderID])
            ?? {
                if case .text(let number)? = conflict.change.fields["order_number"] {
                    return number
                } else {
                    return nil
                }
            }()
        let rejected: Bool
        switch conflict.kind {
        case .superseded: rejected = false
        case .rejected: rejected = true
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO conflicts (sequence, field, order_id, order_number, entity, row_id, op, wanted, winner,
                  kind, code, message,
                  author, hlc, workstation, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (sequence, field) DO NOTHING
                """
        ).execute(arguments: [
            conflict.change.sequence, conflict.field ?? "", conflict.change.orderID, orderNumber,
            conflict.change.entity.rawValue,
            conflict.change.rowID, conflict.change.operation.rawValue, OutboxCodec.encode(conflict.wanted),
            conflict.winner.map { $0.wire.canonicalString }, rejected ? "rejected" : "superseded", conflict.kind.code,
            conflict.message, conflict.change.author, conflict.change.hlc, identity.name, now,
        ])
        return db.changesCount
    }

    /// Open conflicts (or all with `includeSettled`), newest first.
    package func conflicts(includeSettled: Bool = false) throws(StoreError) -> [ConflictRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, o.fields AS change_fields FROM conflicts c LEFT JOIN outbox o ON o.sequence = c.sequence
                    WHERE ? OR c.state = 'open' ORDER BY c.id DESC
                    """,
                arguments: [includeSettled]
            ).map(Self.conflictRecord)
        }
    }

    package func conflict(_ id: Int64) throws(StoreError) -> ConflictRecord {
        try read { db in try Self.conflict(db, id) }
    }

    static func conflict(_ db: Database, _ id: Int64) throws -> ConflictRecord {
        guard
            let row = try Row.fetchOne(
                db,
                sql:
                    """
                    SELECT c.*, o.fields AS change_fields FROM conflicts c LEFT JOIN outbox o ON o.sequence =
                    c.sequence WHERE c.id = ?
                    """,
                arguments: [id])
        else { throw StoreError.conflictNotFound(id) }
        return try conflictRecord(row)
    }

    static func conflictRecord(_ row: Row) throws -> ConflictRecord {
        let field: String = row["field"]
        let wantedText: String = row["wanted"]
        let winnerText: String? = row["winner"]
        let fieldsText: String? = row["change_fields"]
        let madeAt: HLC = try row.value("hlc", table: "conflicts")
        var winner: StampedValue?
        if let winnerText {
            do { winner = try StampedValue(wire: try JSONValue.parse(winnerText), path: "winner") } catch {
                throw StoreError.corruptValue(table: "conflicts", column: "winner", value: winnerText)
            }
        }
        let wanted: FieldValue
        do { wanted = try OutboxCodec.decodeValue(wantedText) } catch {
            throw StoreError.corruptValue(table: "conflicts", column: "wanted", value: wantedText)
        }
        let changeFields: [String: FieldValue]
        do { changeFields = try fieldsText.map(OutboxCodec.decode) ?? [:] } catch {
            throw StoreError.corruptValue(table: "outbox", column: "fields", value: fieldsText ?? "")
        }
        return ConflictRecord(
            id: row["id"], sequence: row["sequence"], field: field.isEmpty ? nil : field, orderID: row["order_id"],
            orderNumber: row["order_number"],
            entity: try Decode.value(EntityKind.self, row, "entity", table: "conflicts"),
            rowID: row["row_id"], operation: try Decode.value(ChangeOperation.self, row, "op", table: "conflicts"),
            wanted: wanted, changeFields: changeFields, winner: winner, rejected: (row["kind"] as String) == "rejected",
            code: row["code"], message: row["message"], author: row["author"], madeAt: madeAt,
            workstation: row["workstation"], recordedAt: row["recorded_at"],
            state: try Decode.value(ConflictState.self, row, "state", table: "conflicts"),
            settledAt: row["settled_at"], settledBy: row["settled_by"], reappliedSequence: row["reapplied_sequence"])
    }

    /// Settling one's own conflict needs `resolve_own_conflicts`; someone else's,
    /// `resolve_others_conflicts` (PERMISSIONS.md).
    static func requireSettling(_ conflict: ConflictRecord, by actor: StaffActor) throws(StoreError) {
        let permission: Permission =
            conflict.author.lowercased() == actor.email ? .resolveOwnConflicts : .resolveOthersConflicts
        do { try PermissionMatrix.require(permission, role: actor.role, person: actor.email) } catch {
            throw .forbidden(error)
        }
    }

    /// Marks an open conflict as seen and accepted as it is.
    @discardableResult
    package func dismissConflict(_ id: Int64, by actor: StaffActor) throws(StoreError) -> ConflictRecord {
        let now = Timestamp.format(millis: wallClockMillis())
        return try write { db in
            let record = try Self.conflict(db, id)
            guard record.state == .open else {
                throw StoreError.conflictNotActionable(
                    "conflict \(id) is already \(record.state.rawValue); nothing changed")
            }
            try Self.requireSettling(record, by: actor)
            try db.execute(
                sql: "UPDATE conflicts SET state = 'dismissed', settled_at = ?, settled_by = ? WHERE id = ?",
                arguments: [now, actor.email, id])
            return try Self.conflict(db, id)
        }
    }
}
