import OrderDomain

/// A typed table of a node's visible replica (`orders`, `order_items`, …) as the projection fills
/// it from merged rows: its synced columns with the value a row takes when no change set it, the
/// columns a row needs to be shown at all, and whether rows carry their creating append's stamp.
/// The node's store writes its tables with these rules and the checksums (`OrderChecksum`) encode
/// the same values on node and central, so they live here, once.
package struct VisibleTable: Sendable {
    package let name: String
    package let entity: EntityKind
    /// Synced columns and their fallback (the table's default, or NULL).
    package let synced: [(name: String, fallback: FieldValue)]
    /// A row missing one of these is not shown (it was never fully created here).
    package let required: Set<String>
    /// Whether rows carry the `hlc` / `node_id` of the append that created them.
    package let carriesStamp: Bool

    package static let orders = VisibleTable(
        name: "orders", entity: .order,
        synced: [
            ("order_number", .null), ("customer_name", .null), ("customer_email", .null), ("customer_phone", .null),
            ("priority", .text("normal")), ("currency", .text("USD")), ("tax_amount", .integer(0)),
            ("shipping_amount", .integer(0)), ("needed_by", .null), ("shipping_address", .null),
            ("billing_address", .null), ("notes", .null), ("created_at", .null), ("created_by", .text("")),
        ],
        required: ["order_number", "customer_name", "customer_email", "currency"], carriesStamp: false)

    package static let items = VisibleTable(
        name: "order_items", entity: .orderItem,
        synced: [
            ("line_number", .integer(1)), ("product_source", .text("catalog")), ("product_name", .null),
            ("size", .null), ("color", .null), ("custom_measurements", .null), ("quantity", .integer(1)),
            ("unit_price", .null), ("created_at", .null),
        ],
        required: ["product_name", "unit_price"], carriesStamp: false)

    package static let history = VisibleTable(
        name: "order_status_history", entity: .statusHistory,
        synced: [
            ("from_status", .null), ("to_status", .null), ("changed_by", .null), ("changed_at", .null),
            ("note", .null), ("duration_in_previous_seconds", .null),
        ],
        required: ["to_status", "changed_by", "changed_at"], carriesStamp: true)

    package static let exceptions = VisibleTable(
        name: "order_exceptions", entity: .exception,
        synced: [
            ("exception_type", .null), ("exception_severity", .null), ("description", .null),
            ("resolution_status", .text("open")), ("customer_notified", .bool(false)), ("resolution_notes", .null),
            ("created_at", .null), ("created_by", .text("")), ("resolved_at", .null), ("resolved_by", .null),
        ],
        required: ["exception_type", "exception_severity"], carriesStamp: false)

    package static let communications = VisibleTable(
        name: "customer_communication_logs", entity: .communicationLog,
        synced: [
            ("communication_type", .null), ("communication_channel", .null), ("message_content", .null),
            ("delivery_status", .text("pending")), ("sent_at", .null), ("delivered_at", .null), ("opened_at", .null),
            ("created_at", .null), ("created_by", .text("")),
        ],
        required: ["communication_type", "communication_channel", "message_content"], carriesStamp: true)

    package static let claims = VisibleTable(
        name: "order_claims", entity: .claim,
        synced: [
            ("claim_action", .null), ("stage", .null), ("claimed_by", .null), ("released_claim_id", .null),
            ("created_at", .null),
        ],
        required: ["claim_action", "stage", "claimed_by"], carriesStamp: true)

    /// Every typed table, the order first; the checksums encode them in this order.
    package static let all = [orders, items, history, exceptions, communications, claims]

    /// The typed table of an entity; nil for integration requests, which live only in the
    /// confirmed replica and the outbox.
    package static func table(for entity: EntityKind) -> VisibleTable? {
        all.first { $0.entity == entity }
    }

    /// The synced column values of a merged row (plus `hlc` / `node_id` when the table carries
    /// stamps); nil when it lacks a required column. A missing `created_at` falls back to the
    /// time of the row's earliest stamp.
    package func values(of row: RowState) -> [String: FieldValue]? {
        var values: [String: FieldValue] = [:]
        for (name, fallback) in synced {
            if let stamped = row.fields[name] {
                values[name] = stamped.value
            } else if required.contains(name) {
                return nil
            } else if name == "created_at" {
                let earliest = row.appended ?? row.fields.values.min { $0.key < $1.key }
                values[name] = .text(Timestamp.format(millis: earliest?.stamp.hlc.millis ?? 0))
            } else {
                values[name] = fallback
            }
            if values[name] == .null, required.contains(name) { return nil }
        }
        if carriesStamp {
            let stamp = row.appended ?? row.fields.values.min { $0.key < $1.key }
            values["hlc"] = .integer(Int64(bitPattern: (stamp?.stamp.hlc ?? .zero).packed))
            values["node_id"] = .text(stamp?.stamp.nodeID ?? "")
        }
        return values
    }
}

extension Change {
    /// A `set_fields` of an order row carrying every column an order needs to be shown: what
    /// creating an order sends (a later edit names some of them at most). A hint only: a node
    /// merging a page checks first whether such orders are new to it.
    package var namesOrderCreation: Bool {
        entity == .order && operation == .setFields
            && VisibleTable.orders.required.allSatisfy { fields[$0] != nil }
    }
}
