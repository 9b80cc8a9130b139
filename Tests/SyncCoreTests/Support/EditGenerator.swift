import Foundation
import OrderDomain
import TestSupport

@testable import SyncCore

/// Random edits of every kind a workstation makes, valid against the node's current view
/// (checked with the same validator central uses), plus a few hostile ones central must reject.
struct EditGenerator {
    struct Edit {
        var entity: EntityKind
        var rowID: String
        var orderID: String
        var operation: ChangeOperation
        var fields: [String: FieldValue]
        /// Made to be refused by central (payment field, derived field, illegal move).
        var hostile: Bool
    }

    var counter = 0

    mutating func newID(_ prefix: String, _ node: String) -> String {
        counter += 1
        return "\(prefix)-\(node)-\(counter)"
    }

    static let names = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]
    static let notes = [FieldValue.text("rush the jacket"), .text("call before shipping"), .null, .text("gift wrap")]
    static let colors = ["navy", "charcoal", "black"]

    func orders(in view: ReplicaModel) -> [String] {
        view.rows.keys.filter { $0.entity == .order }.map(\.rowID).sorted()
    }

    func rows(_ entity: EntityKind, in view: ReplicaModel, live: Bool = true) -> [RowState] {
        view.rows.values.filter { $0.entity == entity && (!live || !$0.isDeleted) }.sorted { $0.rowID < $1.rowID }
    }

    mutating func next(node: String, view: ReplicaModel, rng: inout SplitMix64) -> [Edit] {
        let orders = orders(in: view)
        if orders.isEmpty || (orders.count < 4 && rng.chance(0.05)) { return createOrder(node: node, rng: &rng) }
        let orderID = rng.pick(orders)
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<22: return [updateOrder(orderID, rng: &rng)]
        case 22..<45: return moveStatus(orderID, node: node, view: view, rng: &rng)
        case 45..<55: return [addItem(orderID, node: node, rng: &rng)]
        case 55..<70:
            let items = rows(.orderItem, in: view).filter { $0.orderID == orderID }
            guard let item = items.isEmpty ? nil : rng.pick(items) else {
                return [addItem(orderID, node: node, rng: &rng)]
            }
            return [updateItem(item, rng: &rng)]
        case 70..<76:
            let items = rows(.orderItem, in: view).filter { $0.orderID == orderID }
            guard let item = items.isEmpty ? nil : rng.pick(items) else { return [] }
            return [
                Edit(
                    entity: .orderItem, rowID: item.rowID, orderID: orderID, operation: .delete, fields: [:],
                    hostile: false)
            ]
        case 76..<82:
            return [
                Edit(
                    entity: .exception, rowID: newID("x", node), orderID: orderID, operation: .append,
                    fields: [
                        "exception_type": .text(rng.pick(["wrong_measurement", "damaged_cloth"])),
                        "exception_severity": .text(rng.pick(["low", "high"])),
                        "resolution_status": .text("open"), "customer_notified": .bool(false),
                    ], hostile: false)
            ]
        case 82..<88:
            let exceptions = rows(.exception, in: view).filter { $0.orderID == orderID }
            guard let exception = exceptions.isEmpty ? nil : rng.pick(exceptions) else { return [] }
            return [
                Edit(
                    entity: .exception, rowID: exception.rowID, orderID: orderID, operation: .setFields,
                    fields: rng.chance(0.5)
                        ? ["resolution_status": .text(rng.pick(["investigating", "resolved", "dismissed"]))]
                        : [
                            "customer_notified": .bool(rng.chance(0.5)),
                            "resolution_notes": .text(rng.pick(["refit", "new cloth"])),
                        ], hostile: false)
            ]
        case 88..<94:
            return [
                Edit(
                    entity: .communicationLog, rowID: newID("c", node), orderID: orderID, operation: .append,
                    fields: [
                        "communication_type": .text("status_update"),
                        "communication_channel": .text(rng.pick(["email", "phone"])),
                        "message_content": .text("update \(counter)"),
                    ], hostile: false)
            ]
        default:
            return [hostile(orderID, view: view, rng: &rng)]
        }
    }

    mutating func createOrder(node: String, rng: inout SplitMix64) -> [Edit] {
        let orderID = newID("o", node)
        var edits = [
            Edit(
                entity: .order, rowID: orderID, orderID: orderID, operation: .setFields,
                fields: [
                    "order_number": .text("S01-\(node)-\(counter)"), "customer_name": .text(rng.pick(Self.names)),
                    "customer_email": .text("c\(counter)@example.com"), "currency": .text("USD"),
                    "priority": .text("normal"), "tax_amount": .integer(0), "shipping_amount": .integer(0),
                ], hostile: false)
        ]
        edits.append(addItem(orderID, node: node, rng: &rng))
        return edits
    }

    mutating func updateOrder(_ orderID: String, rng: inout SplitMix64) -> Edit {
        var fields: [String: FieldValue] = [:]
        let names = [
            "customer_name", "customer_phone", "priority", "notes", "tax_amount", "shipping_amount", "needed_by",
        ]
        for name in names where rng.chance(0.35) {
            counter += 1
            switch name {
            case "customer_name": fields[name] = .text(Self.names[counter % Self.names.count])
            case "customer_phone": fields[name] = .text("555-0\(counter % 10)")
            case "priority":
                fields[name] = .text(OrderPriority.allCases[counter % OrderPriority.allCases.count].rawValue)
            case "notes": fields[name] = Self.notes[counter % Self.notes.count]
            case "tax_amount": fields[name] = .integer(Int64(counter % 7) * 100)
            case "shipping_amount": fields[name] = .integer(Int64(counter % 3) * 500)
            default: fields[name] = .text("2026-12-\(10 + counter % 15)")
            }
        }
        if fields.isEmpty {
            counter += 1
            fields["notes"] = Self.notes[counter % Self.notes.count]
        }
        return Edit(
            entity: .order, rowID: orderID, orderID: orderID, operation: .setFields, fields: fields, hostile: false)
    }

    mutating func addItem(_ orderID: String, node: String, rng: inout SplitMix64) -> Edit {
        Edit(
            entity: .orderItem, rowID: newID("i", node), orderID: orderID, operation: .setFields,
            fields: [
                "product_name": .text(rng.pick(["Navy Suit", "Dress Shirt", "Silk Tie"])),
                "product_source": .text("catalog"),
                "quantity": .integer(Int64.random(in: 1...3, using: &rng)),
                "unit_price": .integer(Int64.random(in: 1...9, using: &rng) * 10_000),
                "color": .text(rng.pick(Self.colors)),
            ], hostile: false)
    }

    mutating func updateItem(_ item: RowState, rng: inout SplitMix64) -> Edit {
        var fields: [String: FieldValue] = [:]
        if rng.chance(0.5) { fields["quantity"] = .integer(Int64.random(in: 1...5, using: &rng)) }
        if rng.chance(0.4) { fields["unit_price"] = .integer(Int64.random(in: 1...9, using: &rng) * 10_000) }
        if rng.chance(0.4) { fields["color"] = .text(rng.pick(Self.colors)) }
        if rng.chance(0.2) { fields["size"] = .text(rng.pick(["40R", "42L", "38S"])) }
        if fields.isEmpty { fields["item_status"] = .text(rng.pick(["processing", "in_production"])) }
        return Edit(
            entity: .orderItem, rowID: item.rowID, orderID: item.orderID, operation: .setFields, fields: fields,
            hostile: false)
    }

    mutating func moveStatus(_ orderID: String, node: String, view: ReplicaModel, rng: inout SplitMix64) -> [Edit] {
        let current = view.status(ofOrder: orderID)
        let allowed = OrderLifecycle.allowedTransitions(from: current.status, resumeStatus: current.resumeStatus)
        guard !allowed.isEmpty else { return [] }
        // Favour the forward flow so orders travel; terminal moves are rarer.
        let forward = allowed.filter { !$0.isTerminal }
        let to = (!forward.isEmpty && rng.chance(0.85)) ? rng.pick(forward) : rng.pick(allowed)
        var fields: [String: FieldValue] = [
            "status": .text(to.rawValue), "from_status": .text(current.status.rawValue),
        ]
        if let resume = current.resumeStatus { fields["from_resume_status"] = .text(resume.rawValue) }
        // What the node's store also sends: the resume status after the move, and a note.
        if let after = OrderLifecycle.resumeStatus(after: current.status, to: to, previousResume: current.resumeStatus)
        {
            fields["resume_status"] = .text(after.rawValue)
        }
        return [
            Edit(
                entity: .order, rowID: orderID, orderID: orderID, operation: .setStatus, fields: fields,
                hostile: false),
            Edit(
                entity: .statusHistory, rowID: newID("h", node), orderID: orderID, operation: .append,
                fields: [
                    "from_status": .text(current.status.rawValue), "to_status": .text(to.rawValue),
                    "changed_by": .text("staff@\(node)"),
                    "changed_at": .text("2025-11-24T16:00:\(String(format: "%02d", counter % 60)).000Z"),
                    "order_id": .text(orderID),
                ], hostile: false),
        ]
    }

    mutating func hostile(_ orderID: String, view: ReplicaModel, rng: inout SplitMix64) -> Edit {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            return Edit(
                entity: .order, rowID: orderID, orderID: orderID, operation: .setFields,
                fields: ["payment_status": .text("paid")], hostile: true)
        case 1:
            return Edit(
                entity: .order, rowID: orderID, orderID: orderID, operation: .setFields,
                fields: ["total_amount": .integer(1)], hostile: true)
        default:
            // A move the lifecycle does not allow from the status it claims to start from.
            return Edit(
                entity: .order, rowID: orderID, orderID: orderID, operation: .setStatus,
                fields: ["status": .text("delivered"), "from_status": .text("pending_payment")], hostile: true)
        }
    }
}
