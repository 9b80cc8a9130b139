import Foundation
import GRDB
import OrderDomain
import SyncCore

extension OrderStore {
    /// Records an exception against an order (an `append` that stamps its row, because its
    /// resolution is edited later). The order's status is not changed.
    @discardableResult
    package func openException(on reference: String, _ draft: ExceptionDraft, by actor: StaffActor) throws(StoreError)
        -> ExceptionRecord
    {
        let valid: ExceptionDraft
        do { valid = try draft.validated() } catch { throw .invalid(error) }
        let exceptionID = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let id = RowID.make()
            let fields: [String: FieldValue] = [
                "order_id": .text(order.id),
                "exception_type": .text(valid.type),
                "exception_severity": .text(valid.severity.rawValue),
                "description": .optionalText(valid.description),
                "resolution_status": .text(ExceptionResolution.open.rawValue),
                "customer_notified": .bool(valid.customerNotified),
                "created_at": .text(recorder.nowText),
                "created_by": .text(actor.email),
            ]
            try db.execute(
                sql: """
                    INSERT INTO order_exceptions (id, order_id, exception_type, exception_severity, description,
                      resolution_status, customer_notified, created_at, created_by)
                    VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)
                    """,
                arguments: [
                    id, order.id, valid.type, valid.severity.rawValue, valid.description, valid.customerNotified,
                    recorder.nowText, actor.email,
                ])
            try recorder.record(
                db, entity: .exception, rowID: id, orderID: order.id, operation: .append, fields: fields,
                createsRow: true)
            try touch(db, orderID: order.id, now: recorder.nowText)
            return id
        }
        return try exceptionRecord(exceptionID)
    }

    /// Settles (or marks as being investigated) an exception, by id or unique id prefix.
    @discardableResult
    package func resolveException(
        _ reference: String, to resolution: ExceptionResolution = .resolved, notes: String? = nil,
        customerNotified: Bool? = nil, by actor: StaffActor
    ) throws(StoreError) -> ExceptionRecord {
        let exceptionID = try edit(by: actor) { db, recorder in
            let exception = try resolveException(db, reference)
            let change = try ExceptionResolutionChange(
                current: exception.resolution, to: resolution, notes: notes, customerNotified: customerNotified)
            var fields: [String: FieldValue] = ["resolution_status": .text(change.resolution.rawValue)]
            if let notes = change.notes { fields["resolution_notes"] = .text(notes) }
            if let notified = change.customerNotified { fields["customer_notified"] = .bool(notified) }
            if !change.resolution.isUnresolved {
                fields["resolved_at"] = .text(recorder.nowText)
                fields["resolved_by"] = .text(actor.email)
            }
            try updateColumns(
                db, table: "order_exceptions", id: exception.id, fields: fields, now: recorder.nowText,
                touchUpdatedAt: false)
            try recorder.record(
                db, entity: .exception, rowID: exception.id, orderID: exception.orderID, operation: .setFields,
                fields: fields)
            try touch(db, orderID: exception.orderID, now: recorder.nowText)
            return exception.id
        }
        return try exceptionRecord(exceptionID)
    }

    /// Appends a customer communication log entry.
    @discardableResult
    package func logCommunication(on reference: String, _ draft: CommunicationDraft, by actor: StaffActor)
        throws(StoreError) -> CommunicationRecord
    {
        let valid: CommunicationDraft
        do { valid = try draft.validated() } catch { throw .invalid(error) }
        let id = try edit(by: actor) { db, recorder in
            let order = try resolveOrder(db, reference)
            let id = RowID.make()
            try recorder.record(
                db, entity: .communicationLog, rowID: id, orderID: order.id, operation: .append,
                fields: [
                    "order_id": .text(order.id),
                    "communication_type": .text(valid.type.rawValue),
                    "communication_channel": .text(valid.channel.rawValue),
                    "message_content": .text(valid.message),
                    "created_at": .text(recorder.nowText),
                    "created_by": .text(actor.email),
                ])
            try db.execute(
                sql: """
                    INSERT INTO customer_communication_logs (id, order_id, communication_type, communication_channel,
                      message_content, created_at, created_by, hlc, node_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, order.id, valid.type.rawValue, valid.channel.rawValue, valid.message, recorder.nowText,
                    actor.email,
                    recorder.lastHLC, recorder.nodeID,
                ])
            try touch(db, orderID: order.id, now: recorder.nowText)
            return id
        }
        return try read { db in
            try Decode.communication(
                try Row.fetchOne(db, sql: "SELECT * FROM customer_communication_logs WHERE id = ?", arguments: [id])!)
        }
    }

    func resolveException(_ db: Database, _ reference: String) throws -> ExceptionRecord {
        let trimmed = reference.trimmingCharacters(in: .whitespaces).lowercased()
        guard trimmed.count >= 4 else { throw StoreError.exceptionNotFound(reference) }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM order_exceptions WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
            arguments: [Self.likePrefix(trimmed)])
        guard let row = rows.first else { throw StoreError.exceptionNotFound(reference) }
        guard rows.count == 1 else { throw StoreError.ambiguousReference(kind: "exception", reference: reference) }
        return try Decode.exception(row)
    }

    func exceptionRecord(_ id: String) throws(StoreError) -> ExceptionRecord {
        try read { db in try resolveException(db, id) }
    }
}
