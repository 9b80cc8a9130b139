import OrderDomain

/// How a field's value is judged and merged. See CONFLICT-RULES.md for the table.
package enum FieldClass: String, Sendable, CaseIterable {
    /// Set by any node with `set_fields`; last writer wins per field.
    case lastWriterWins = "lww"
    /// Written once by the `append` that creates the record; never changed afterwards.
    case appendOnly = "append_only"
    /// Only central may set it (payment and delivery facts); a node's change is rejected.
    case centralOnly = "central_only"
    /// Recomputed after every merge from other fields; never carried by a change.
    case derived
    /// Carried only by `set_status` (the order's status and its move's description).
    case statusMove = "status_move"
    /// The row's order (`order_id`), repeated in a change's fields by the node's store: must
    /// equal the change's `order_id`, and is not stored as a field.
    case rowIdentity = "row_identity"
}

/// What values a field accepts. Money is integer minor units; JSON documents are strings
/// holding one JSON object; dates are `YYYY-MM-DD`; timestamps are UTC ISO 8601 with
/// milliseconds, fixed width (`2026-11-25T14:15:00.123Z`), as the replica stores them.
package enum FieldType: Sendable, Equatable {
    case text(maxLength: Int)
    case enumeration([String])
    /// A JSON object serialised as a string.
    case jsonObject(maxLength: Int)
    case date
    case timestamp
    case integer(ClosedRange<Int64>)
    case boolean
}

package struct FieldSpec: Sendable, Equatable {
    package let name: String
    package let type: FieldType
    package let fieldClass: FieldClass
    /// Null is a valid value (clears the field).
    package let nullable: Bool
    /// Must be present when the row is created (`set_fields` on a new row, or `append`).
    package let requiredOnCreate: Bool

    package init(
        _ name: String, _ type: FieldType, _ fieldClass: FieldClass, nullable: Bool = true,
        requiredOnCreate: Bool = false
    ) {
        self.name = name
        self.type = type
        self.fieldClass = fieldClass
        self.nullable = nullable
        self.requiredOnCreate = requiredOnCreate
    }
}

/// The synced fields of every entity, with their class and type: the whitelist a change is
/// checked against. Column names follow the seed schema (`order_status` and `order_priority`
/// are called `status` and `priority`, as in the replica and the CLI's JSON).
package enum FieldCatalog {
    /// Largest amount accepted, in minor units (10^15, as OrderDomain's money limit).
    package static let maximumMinorUnits: Int64 = 1_000_000_000_000_000
    static let money = FieldType.integer(0...maximumMinorUnits)
    static let statuses = OrderStatus.allCases.map(\.rawValue)
    static let orderID = FieldSpec(
        "order_id", .text(maxLength: Change.maximumIdentifierLength), .rowIdentity, nullable: false)

    package static let orders: [FieldSpec] = [
        FieldSpec("order_number", .text(maxLength: 20), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("customer_name", .text(maxLength: 255), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("customer_email", .text(maxLength: 255), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("customer_phone", .text(maxLength: 20), .lastWriterWins),
        FieldSpec("priority", .enumeration(OrderPriority.allCases.map(\.rawValue)), .lastWriterWins, nullable: false),
        FieldSpec("currency", .text(maxLength: 3), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("tax_amount", money, .lastWriterWins, nullable: false),
        FieldSpec("shipping_amount", money, .lastWriterWins, nullable: false),
        FieldSpec("needed_by", .date, .lastWriterWins),
        FieldSpec("notes", .text(maxLength: 2000), .lastWriterWins),
        FieldSpec("shipping_address", .jsonObject(maxLength: 4000), .lastWriterWins),
        FieldSpec("billing_address", .jsonObject(maxLength: 4000), .lastWriterWins),
        FieldSpec("created_at", .timestamp, .lastWriterWins),
        FieldSpec("created_by", .text(maxLength: 255), .lastWriterWins),
        FieldSpec("stripe_payment_intent_id", .text(maxLength: 255), .centralOnly),
        FieldSpec("payment_method", .text(maxLength: 50), .centralOnly),
        FieldSpec("payment_status", .text(maxLength: 50), .centralOnly),
        // Protocol version 2: what central's providers answered (INTEGRATIONS, SYNC-PROTOCOL.md §4.8).
        FieldSpec("payment_amount", money, .centralOnly),
        FieldSpec("stripe_refund_id", .text(maxLength: 255), .centralOnly),
        FieldSpec("easypost_shipment_id", .text(maxLength: 255), .centralOnly),
        FieldSpec("shipping_rate_id", .text(maxLength: 255), .centralOnly),
        FieldSpec("shipping_label_url", .text(maxLength: 2000), .centralOnly),
        FieldSpec("tracking_code", .text(maxLength: 255), .centralOnly),
        FieldSpec("tracking_status", .text(maxLength: 50), .centralOnly),
        FieldSpec("carrier", .text(maxLength: 100), .centralOnly),
        FieldSpec("service_type", .text(maxLength: 100), .centralOnly),
        FieldSpec("shipping_cost", money, .centralOnly),
        FieldSpec("subtotal_amount", money, .derived),
        FieldSpec("total_amount", money, .derived),
        FieldSpec("status", .enumeration(statuses), .statusMove, nullable: false),
        FieldSpec("resume_status", .enumeration(statuses), .derived),
    ]

    package static let orderItems: [FieldSpec] = [
        orderID,
        FieldSpec("line_number", .integer(1...10_000), .lastWriterWins, nullable: false),
        FieldSpec("product_name", .text(maxLength: 255), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("product_source", .enumeration(["catalog", "custom"]), .lastWriterWins, nullable: false),
        FieldSpec("size", .text(maxLength: 20), .lastWriterWins),
        FieldSpec("color", .text(maxLength: 50), .lastWriterWins),
        FieldSpec("custom_measurements", .jsonObject(maxLength: 4000), .lastWriterWins),
        FieldSpec("quantity", .integer(1...999), .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("unit_price", money, .lastWriterWins, nullable: false, requiredOnCreate: true),
        FieldSpec("item_status", .enumeration(statuses), .lastWriterWins, nullable: false),
        FieldSpec("created_at", .timestamp, .lastWriterWins),
        FieldSpec("total_price", money, .derived),
    ]

    package static let statusHistory: [FieldSpec] = [
        orderID,
        FieldSpec("from_status", .enumeration(statuses), .appendOnly),
        FieldSpec("to_status", .enumeration(statuses), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("changed_by", .text(maxLength: 255), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("changed_at", .timestamp, .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("note", .text(maxLength: 1000), .appendOnly),
        FieldSpec("duration_in_previous_seconds", .integer(0...Int64.max), .appendOnly),
    ]

    package static let exceptions: [FieldSpec] = [
        orderID,
        FieldSpec("exception_type", .text(maxLength: 100), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec(
            "exception_severity", .enumeration(["low", "medium", "high", "critical"]), .appendOnly, nullable: false,
            requiredOnCreate: true),
        FieldSpec("description", .text(maxLength: 2000), .appendOnly),
        FieldSpec("created_at", .timestamp, .appendOnly),
        FieldSpec("created_by", .text(maxLength: 255), .appendOnly),
        FieldSpec(
            "resolution_status", .enumeration(["open", "investigating", "resolved", "dismissed"]), .lastWriterWins,
            nullable: false),
        FieldSpec("customer_notified", .boolean, .lastWriterWins, nullable: false),
        FieldSpec("resolution_notes", .text(maxLength: 2000), .lastWriterWins),
        FieldSpec("resolved_at", .timestamp, .lastWriterWins),
        FieldSpec("resolved_by", .text(maxLength: 255), .lastWriterWins),
    ]

    package static let communicationLogs: [FieldSpec] = [
        orderID,
        FieldSpec(
            "communication_type",
            .enumeration([
                "order_confirmation", "payment_confirmation", "status_update", "shipping_notification",
                "delivery_confirmation", "exception_notice", "satisfaction_survey", "note",
            ]), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec(
            "communication_channel", .enumeration(["email", "sms", "phone", "in_person"]), .appendOnly, nullable: false,
            requiredOnCreate: true),
        FieldSpec("message_content", .text(maxLength: 10_000), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("created_at", .timestamp, .appendOnly),
        FieldSpec("created_by", .text(maxLength: 255), .appendOnly),
        FieldSpec("delivery_status", .text(maxLength: 50), .centralOnly),
        FieldSpec("sent_at", .timestamp, .centralOnly),
        FieldSpec("delivered_at", .timestamp, .centralOnly),
        FieldSpec("opened_at", .timestamp, .centralOnly),
    ]

    /// A claim names the stage (the order's status when it was made) and its claimer; a release
    /// names the claim it releases and that claim's claimer. See `ClaimRule`.
    package static let claims: [FieldSpec] = [
        orderID,
        FieldSpec(
            "claim_action", .enumeration(ClaimEvent.Action.allCases.map(\.rawValue)), .appendOnly, nullable: false,
            requiredOnCreate: true),
        FieldSpec("stage", .enumeration(statuses), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("claimed_by", .text(maxLength: 255), .appendOnly, nullable: false, requiredOnCreate: true),
        FieldSpec("released_claim_id", .text(maxLength: Change.maximumIdentifierLength), .appendOnly),
        FieldSpec("created_at", .timestamp, .appendOnly),
    ]

    /// Staff requests to central's providers: written once by a node's `append`, answered by
    /// central's `set_fields` of the central-only fields.
    package static let integrationRequests: [FieldSpec] = [
        orderID,
        FieldSpec(
            "request_kind", .enumeration(IntegrationRequestKind.allCases.map(\.rawValue)), .appendOnly,
            nullable: false, requiredOnCreate: true),
        FieldSpec("rate_id", .text(maxLength: 255), .appendOnly),
        FieldSpec("template", .enumeration(CustomerEmail.allCases.map(\.rawValue)), .appendOnly),
        FieldSpec("created_at", .timestamp, .appendOnly),
        FieldSpec("created_by", .text(maxLength: 255), .appendOnly),
        FieldSpec(
            "request_state", .enumeration(IntegrationRequestState.allCases.map(\.rawValue)), .centralOnly,
            nullable: false),
        FieldSpec("answer", .text(maxLength: 10_000), .centralOnly),
        FieldSpec("answered_at", .timestamp, .centralOnly),
    ]

    package static func fields(of entity: EntityKind) -> [FieldSpec] {
        switch entity {
        case .order: orders
        case .orderItem: orderItems
        case .statusHistory: statusHistory
        case .exception: exceptions
        case .communicationLog: communicationLogs
        case .claim: claims
        case .integrationRequest: integrationRequests
        }
    }

    private static let index: [EntityKind: [String: FieldSpec]] = Dictionary(
        uniqueKeysWithValues: EntityKind.allCases.map { entity in
            (entity, Dictionary(uniqueKeysWithValues: fields(of: entity).map { ($0.name, $0) }))
        })

    package static func spec(_ entity: EntityKind, _ field: String) -> FieldSpec? { index[entity]?[field] }

    /// The operations each entity accepts.
    package static func operations(of entity: EntityKind) -> [ChangeOperation] {
        switch entity {
        case .order: [.setFields, .setStatus]
        case .orderItem: [.setFields, .delete]
        case .statusHistory: [.append]
        case .exception: [.append, .setFields]
        case .communicationLog: [.append, .setFields]
        case .claim: [.append]
        case .integrationRequest: [.append, .setFields]
        }
    }

    /// Whether the merge keeps the field in the row: status-move fields live in the status
    /// register and `order_id` in the row itself.
    package static func isStored(_ entity: EntityKind, _ field: String) -> Bool {
        switch spec(entity, field)?.fieldClass {
        case .statusMove?, .rowIdentity?: false
        default: true
        }
    }

    /// Entities whose rows are created by `append` (and so are append-only records).
    package static func isAppendCreated(_ entity: EntityKind) -> Bool {
        operations(of: entity).contains(.append)
    }
}
