/// A value carried by a change: one of SQLite's storage classes. Money travels as `.integer`
/// minor units, JSON documents (custom measurements, addresses) as `.text`.
package enum FieldValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
}

extension FieldValue: Codable {
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .real(value)
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a field value must be null, a boolean, a number or a string")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}

/// What a change is about. Raw values are the replica's table names.
package enum EntityKind: String, CaseIterable, Codable, Sendable {
    case order = "orders"
    case orderItem = "order_items"
    case statusHistory = "order_status_history"
    case exception = "order_exceptions"
    case communicationLog = "customer_communication_logs"
    /// Queue claims and their releases: append-only events; who holds an order is a function of
    /// the set (`ClaimRule`).
    case claim = "order_claims"
    /// A staff member's request for central to call a provider (payment, shipping, e-mail);
    /// central answers it with central-only fields (protocol version 2, INTEGRATIONS in
    /// SYNC-PROTOCOL.md §4.8).
    case integrationRequest = "order_integration_requests"
}

/// The intent of a change, at field granularity.
package enum ChangeOperation: String, CaseIterable, Codable, Sendable {
    /// Create a row or set some of its fields: last-writer-wins per field.
    case setFields = "set_fields"
    /// Move an order's status: settled by the lifecycle rule, not by plain last-writer-wins.
    case setStatus = "set_status"
    /// Add an append-only record (history, communication log, exception event): merged by union.
    case append
    /// Tombstone a row: wins over older edits.
    case delete
}

/// One change as recorded in a node's outbox and carried by the sync protocol.
package struct Change: Hashable, Sendable, Codable {
    /// The node that made the change.
    package var nodeID: String
    /// Gap-free per-node upload sequence, starting at 1.
    package var sequence: Int64
    package var hlc: HLC
    package var entity: EntityKind
    /// Id of the row changed (UUID text).
    package var rowID: String
    /// Id of the order the row belongs to (equal to `rowID` for an order).
    package var orderID: String
    package var operation: ChangeOperation
    /// Fields set (snake_case column names). For `setStatus`: `status` and optionally `note`.
    package var fields: [String: FieldValue]
    /// Who made the change (staff e-mail or name).
    package var author: String
    /// The author's pull cursor when the change was made: the last central log version its
    /// replica had merged. Changes logged at or below it were known to the author, so
    /// overwriting them was deliberate, not a conflict (see CONFLICT-RULES.md, "Who is told").
    /// 0 when unknown, which makes every overwrite of another node's value count as concurrent.
    package var baseVersion: Int64

    package init(
        nodeID: String, sequence: Int64, hlc: HLC, entity: EntityKind, rowID: String,
        orderID: String, operation: ChangeOperation, fields: [String: FieldValue], author: String,
        baseVersion: Int64 = 0
    ) {
        self.nodeID = nodeID
        self.sequence = sequence
        self.hlc = hlc
        self.entity = entity
        self.rowID = rowID
        self.orderID = orderID
        self.operation = operation
        self.fields = fields
        self.author = author
        self.baseVersion = baseVersion
    }

    package var stamp: HLCStamp { HLCStamp(hlc: hlc, nodeID: nodeID) }

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id", sequence, hlc, entity, rowID = "row_id", orderID = "order_id"
        case operation = "op", fields, author, baseVersion = "base_version"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            nodeID: try container.decode(String.self, forKey: .nodeID),
            sequence: try container.decode(Int64.self, forKey: .sequence),
            hlc: try container.decode(HLC.self, forKey: .hlc),
            entity: try container.decode(EntityKind.self, forKey: .entity),
            rowID: try container.decode(String.self, forKey: .rowID),
            orderID: try container.decode(String.self, forKey: .orderID),
            operation: try container.decode(ChangeOperation.self, forKey: .operation),
            fields: try container.decode([String: FieldValue].self, forKey: .fields),
            author: try container.decode(String.self, forKey: .author),
            baseVersion: try container.decodeIfPresent(Int64.self, forKey: .baseVersion) ?? 0)
    }
}
