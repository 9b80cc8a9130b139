import Foundation
import OrderDomain
import StorageSupport
import SyncCore

/// What an audit entry records.
package enum AuditKind: String, CaseIterable, Sendable {
    /// A pushed change and its outcome (applied, superseded, rejected).
    case change
    case signIn = "sign_in"
    case signInFailed = "sign_in_failed"
    case signOut = "sign_out"
    case accountCreated = "account_created"
    case roleChanged = "role_changed"
    case accountDisabled = "account_disabled"
    case accountEnabled = "account_enabled"
    case passwordSet = "password_set"
    case nodeAdded = "node_added"
    /// A node's first push (or audit upload) bound its node id to its token.
    case tokenBound = "token_bound"
    case nodeRevoked = "node_revoked"
    /// A provider call's outcome (the effects ledger), or an operator's retry or cancel of one.
    case effect
    /// A verified provider webhook acted on.
    case webhook

    init(_ kind: AuthEventKind) {
        switch kind {
        case .signIn: self = .signIn
        case .signInFailed: self = .signInFailed
        case .signOut: self = .signOut
        }
    }
}

/// One row of the append-only audit trail. Secrets never reach it: no tokens, passwords or hashes.
package struct AuditEntry: Hashable, Sendable {
    /// Position in the trail (0 until written).
    package var id: Int64 = 0
    /// When central received or did it.
    package var receivedAt: String
    package var kind: AuditKind
    /// The change's author, the account changed, or the e-mail given at a sign-in.
    package var person: String?
    /// The node's registration name.
    package var nodeName: String?
    package var orderID: String?
    package var entity: String?
    package var operation: String?
    package var hlc: String?
    package var sequence: Int64?
    /// applied, superseded or rejected (changes only).
    package var outcome: String?
    /// The rejection code of a rejected change.
    package var code: String?
    package var detail: String = ""
    /// The node's event id of an uploaded sign-in event.
    package var eventID: String?
    /// When a sign-in event happened on its node.
    package var happenedAt: String?
}

/// Which part of the trail `kct central audit` shows.
package enum AuditFilter: Sendable {
    /// An order by id or by order number.
    case order(String)
    case person(String)
    case node(String)
}

extension CentralStore {
    static func appendAudit(_ conn: any SQLConnection, _ entry: AuditEntry) throws {
        try conn.execute(auditInsert.sql(rows: 1), auditValues(entry))
    }

    /// Appends one entry (`auditValues`); `id` is the table's own.
    static let auditInsert = SQLInsert(
        into: "audit",
        columns: [
            "received_at", "kind", "person", "node_name", "order_id", "entity", "operation", "hlc", "sequence",
            "outcome", "code", "detail", "event_id", "happened_at",
        ])

    static func auditValues(_ entry: AuditEntry) -> [SQLValue] {
        [
            .text(entry.receivedAt), .text(entry.kind.rawValue), entry.person.sqlValue, entry.nodeName.sqlValue,
            entry.orderID.sqlValue, entry.entity.sqlValue, entry.operation.sqlValue, entry.hlc.sqlValue,
            entry.sequence.sqlValue, entry.outcome.sqlValue, entry.code.sqlValue, .text(entry.detail),
            entry.eventID.sqlValue, entry.happenedAt.sqlValue,
        ]
    }

    /// The audit entries `filter` selects, oldest first; with `limit`, the latest `limit` of them.
    package func audit(_ filter: AuditFilter, limit: Int? = nil) throws(CentralError) -> [AuditEntry] {
        do {
            return try database.read { conn in
                let condition: String
                let argument: String
                switch filter {
                case .order(let reference):
                    condition = "order_id = ?"
                    argument = try Self.orderID(conn, reference: reference)
                case .person(let email):
                    condition = "person = ?"
                    argument = email.trimmingCharacters(in: .whitespaces).lowercased()
                case .node(let name):
                    // Registration names compare without case, as SQLite's NOCASE did (ASCII).
                    condition = "lower(node_name) = lower(?)"
                    argument = name
                }
                let latest =
                    "SELECT * FROM audit WHERE \(condition) ORDER BY id DESC"
                    + (limit.map { " LIMIT \(max(0, $0))" } ?? "")
                return try conn.fetchAll("SELECT * FROM (\(latest)) AS latest ORDER BY id", [.text(argument)]).map(
                    Self.auditEntry)
            }
        } catch {
            throw CentralError.wrap(error)
        }
    }

    /// An order id, or the id of the order whose `order_number` is `reference`.
    static func orderID(_ conn: any SQLConnection, reference: String) throws -> String {
        if try conn.fetchOne("SELECT 1 FROM audit WHERE order_id = ? LIMIT 1", [.text(reference)]) != nil {
            return reference
        }
        // The newest entry that gave an order this number (compared without case); only entries
        // that carry an order number are decoded.
        var byNumber: String?
        let key = reference.lowercased()
        let marker = Array(#""order_number":"#.utf8)
        let unpacker = try LogChangeUnpacker()
        try conn.forEachRow("SELECT change FROM log ORDER BY version DESC", []) { row in
            let text = try unpacker.unpack(try row.read(at: 0, table: "log", as: Data.self))
            guard text.contains(marker) else { return true }
            let change = try Change.decode(text)
            guard change.entity == .order, case .text(let number)? = change.fields["order_number"],
                number.lowercased() == key
            else { return true }
            byNumber = change.rowID
            return false
        }
        if let byNumber { return byNumber }
        // The creating entry may have been compacted away (CentralStore+Compaction.swift). Numbers
        // are stored lower-cased (PostgreSQL's schema checks it; SQLite's column is NOCASE, where
        // older stores' numbers keep their case), so the key is compared, not recomputed.
        return try conn.fetchValue(
            "SELECT order_id FROM compacted_order_numbers WHERE order_number = lower(?) LIMIT 1",
            [.text(reference)]) ?? reference
    }

    static func auditEntry(_ row: SQLRow) throws -> AuditEntry {
        let table = "audit"
        return AuditEntry(
            id: try row.read("id", table: table), receivedAt: try row.read("received_at", table: table),
            kind: try row.read("kind", table: table, as: AuditKind.self), person: try row.read("person", table: table),
            nodeName: try row.read("node_name", table: table), orderID: try row.read("order_id", table: table),
            entity: try row.read("entity", table: table), operation: try row.read("operation", table: table),
            hlc: try row.read("hlc", table: table), sequence: try row.read("sequence", table: table),
            outcome: try row.read("outcome", table: table), code: try row.read("code", table: table),
            detail: try row.read("detail", table: table), eventID: try row.read("event_id", table: table),
            happenedAt: try row.read("happened_at", table: table))
    }

    /// The audit entry of a settled change.
    static func auditEntry(change: Change, outcome: ChangeOutcome, nodeName: String, receivedAt: String) -> AuditEntry {
        var detail: String
        switch change.operation {
        case .setStatus:
            detail =
                "status \(change.fields["from_status"].map(Self.plain) ?? "?") → "
                + "\(change.fields["status"].map(Self.plain) ?? "?")"
        case .delete:
            detail = "delete"
        default:
            detail = "fields " + change.fields.keys.sorted().joined(separator: ", ")
        }
        if let reason = outcome.reason { detail += ": " + reason.message }
        if let restamped = outcome.hlc { detail += " (re-stamped \(restamped))" }
        return AuditEntry(
            receivedAt: receivedAt, kind: .change, person: change.author, nodeName: nodeName, orderID: change.orderID,
            entity: change.entity.rawValue, operation: change.operation.rawValue, hlc: change.hlc.description,
            sequence: change.sequence, outcome: outcome.result.rawValue, code: outcome.reason?.code.rawValue,
            detail: detail)
    }

    static func plain(_ value: FieldValue) -> String {
        if case .text(let text) = value { return text }
        return "\(value)"
    }

    /// `POST /v1/audit`: records a node's sign-in events, each once (by event id). The events
    /// must be the token's node's own.
    package func recordAuthEvents(_ request: AuditUploadRequest, token: String?) throws(ErrorResponse)
        -> AuditUploadResponse
    {
        let tokenHash = try tokenHash(token)
        let now = Timestamp.format(millis: wallClockMillis())
        do {
            return try database.write { conn in
                var response = AuditUploadResponse(recorded: 0, duplicates: 0)
                let node = try authenticate(conn, tokenHash: tokenHash)
                let nodeID = try Self.bindingNodeID(conn, node: node, requested: request.nodeID)
                guard nodeID == request.nodeID else {
                    throw ErrorResponse(
                        code: .forbidden,
                        message:
                            "this token belongs to node \(nodeID), not \(request.nodeID); a node uploads only "
                            + "its own events"
                    )
                }
                if node.nodeID == nil { try Self.bind(conn, node: node, nodeID: nodeID, at: now) }
                for event in request.events {
                    if try conn.fetchOne("SELECT 1 FROM audit WHERE event_id = ?", [.text(event.id)]) != nil {
                        response.duplicates += 1
                        continue
                    }
                    try Self.appendAudit(
                        conn,
                        AuditEntry(
                            receivedAt: now, kind: AuditKind(event.kind), person: event.email.lowercased(),
                            nodeName: node.name,
                            detail: event.detail, eventID: event.id, happenedAt: event.at))
                    response.recorded += 1
                }
                return response
            }
        } catch {
            throw ErrorResponse.wrapping(error)
        }
    }

    /// `POST /v1/audit` from the body bytes (already gunzipped and size-checked).
    package func recordAuthEvents(body: [UInt8], token: String?) throws(ErrorResponse) -> AuditUploadResponse {
        _ = try authenticate(token: token)
        let request: AuditUploadRequest
        do {
            request = try AuditUploadRequest.decode(body)
        } catch {
            throw ErrorResponse(error)
        }
        return try recordAuthEvents(request, token: token)
    }
}
