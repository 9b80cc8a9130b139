import Foundation
import Testing

@testable import SyncCore

/// The permission matrix (PERMISSIONS.md): every role × every kind of change, against a table
/// written here independently of `Permission.minimumRole`; and the document's table against
/// the code.
@Suite struct PermissionMatrixTests {
    /// o-1 exists with item i-1 and exception x-1; everything else is new.
    let replica = Build.replica([
        Build.createOrder(), Build.addItem("W0", 2, at: 1, item: "i-1"),
        Build.change(
            "W0", 3, at: 2, .exception, row: "x-1", .append,
            ["exception_type": .text("fabric"), "exception_severity": .text("low")]),
    ])

    /// Each kind of change and the least role that may make it.
    static let kinds: [(String, Change, StaffRole)] = [
        ("create order", Build.createOrder(order: "o-2"), .processor),
        ("edit customer name", Build.change("W1", 1, at: 5, ["customer_name": .text("Ada King")]), .processor),
        ("edit notes", Build.change("W1", 1, at: 5, ["notes": .text("left sleeve 1cm")]), .processor),
        ("edit needed_by", Build.change("W1", 1, at: 5, ["needed_by": .text("2026-12-24")]), .processor),
        ("edit address", Build.change("W1", 1, at: 5, ["shipping_address": .text(#"{"city":"Detroit"}"#)]), .processor),
        ("change priority", Build.change("W1", 1, at: 5, ["priority": .text("rush")]), .manager),
        ("change tax", Build.change("W1", 1, at: 5, ["tax_amount": .integer(100)]), .manager),
        ("change shipping", Build.change("W1", 1, at: 5, ["shipping_amount": .integer(100)]), .manager),
        ("change currency", Build.change("W1", 1, at: 5, ["currency": .text("EUR")]), .manager),
        (
            "notes and priority", Build.change("W1", 1, at: 5, ["notes": .text("x"), "priority": .text("high")]),
            .manager
        ),
        ("delete order", Build.change("W1", 1, at: 5, .order, row: "o-1", .delete, [:]), .manager),
        ("add item", Build.addItem("W1", 1, at: 5, item: "i-2"), .processor),
        (
            "edit item size", Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["size": .text("42L")]),
            .processor
        ),
        (
            "edit measurements",
            Build.change(
                "W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["custom_measurements": .text(#"{"chest":"40"}"#)]),
            .processor
        ),
        (
            "edit quantity",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["quantity": .integer(2)]), .processor
        ),
        (
            "change unit price",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["unit_price": .integer(1)]), .manager
        ),
        ("remove item", Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .delete, [:]), .processor),
        ("confirm payment", Build.move("W1", 1, at: 5, from: "pending_payment", to: "payment_confirmed"), .manager),
        (
            "resume to payment_confirmed",
            Build.move("W1", 1, at: 5, from: "on_hold", to: "payment_confirmed", resume: "payment_confirmed"),
            .processor
        ),
        (
            "resume from exception",
            Build.move("W1", 1, at: 5, from: "exception", to: "payment_confirmed", resume: "payment_confirmed"),
            .processor
        ),
        ("start processing", Build.move("W1", 1, at: 5, from: "payment_confirmed", to: "processing"), .processor),
        ("rework", Build.move("W1", 1, at: 5, from: "quality_check", to: "in_production"), .processor),
        ("ship", Build.move("W1", 1, at: 5, from: "packaging", to: "shipped"), .processor),
        ("complete", Build.move("W1", 1, at: 5, from: "delivered", to: "completed"), .processor),
        ("hold", Build.move("W1", 1, at: 5, from: "processing", to: "on_hold"), .processor),
        ("into exception", Build.move("W1", 1, at: 5, from: "processing", to: "exception"), .processor),
        ("cancel", Build.move("W1", 1, at: 5, from: "processing", to: "cancelled"), .manager),
        ("refund", Build.move("W1", 1, at: 5, from: "delivered", to: "refunded"), .manager),
        ("history to shipped", history(to: "shipped", from: "packaging"), .processor),
        ("history to cancelled", history(to: "cancelled", from: "processing"), .manager),
        ("history to refunded", history(to: "refunded", from: "delivered"), .manager),
        ("history payment", history(to: "payment_confirmed", from: "pending_payment"), .manager),
        (
            "open exception",
            Build.change(
                "W1", 1, at: 5, .exception, row: "x-2", .append,
                ["exception_type": .text("late"), "exception_severity": .text("high")]), .processor
        ),
        (
            "investigate exception",
            Build.change(
                "W1", 1, at: 5, .exception, row: "x-1", .setFields, ["resolution_status": .text("investigating")]),
            .processor
        ),
        (
            "notify customer",
            Build.change("W1", 1, at: 5, .exception, row: "x-1", .setFields, ["customer_notified": .bool(true)]),
            .processor
        ),
        (
            "resolve exception",
            Build.change("W1", 1, at: 5, .exception, row: "x-1", .setFields, ["resolution_status": .text("resolved")]),
            .manager
        ),
        (
            "dismiss exception",
            Build.change("W1", 1, at: 5, .exception, row: "x-1", .setFields, ["resolution_status": .text("dismissed")]),
            .manager
        ),
        (
            "resolution notes",
            Build.change("W1", 1, at: 5, .exception, row: "x-1", .setFields, ["resolution_notes": .text("refitted")]),
            .manager
        ),
        (
            "log communication",
            Build.change(
                "W1", 1, at: 5, .communicationLog, row: "c-1", .append,
                [
                    "communication_type": .text("note"), "communication_channel": .text("phone"),
                    "message_content": .text("called"),
                ]), .processor
        ),
    ]

    static func history(to: String, from: String) -> Change {
        Build.change(
            "W1", 1, at: 5, .statusHistory, row: "h-9", .append,
            [
                "to_status": .text(to), "from_status": .text(from), "changed_by": .text("w1@kct.example"),
                "changed_at": .text("2025-11-25T14:00:05.000Z"),
            ])
    }

    @Test(arguments: kinds.map(\.0))
    func everyRoleAgainstEveryKindOfChange(_ name: String) {
        let (_, change, minimum) = Self.kinds.first { $0.0 == name }!
        for role in StaffRole.allCases {
            let refusal: Rejection?
            do {
                try PermissionMatrix.authorize(change, role: role, against: replica)
                refusal = nil
            } catch {
                refusal = error
            }
            if role >= minimum {
                #expect(refusal == nil, "\(role) should be allowed to \(name): \(refusal?.message ?? "")")
            } else {
                #expect(refusal?.code == .forbidden, "\(role) should be refused \(name)")
                #expect(refusal?.message.contains("is \(role.withArticle) and may not") == true)
                #expect(refusal?.message.contains(change.author) == true)
            }
        }
    }

    @Test func refusalNamesWhatAndWhoMay() throws {
        let change = Build.change("W1", 1, at: 5, ["notes": .text("x"), "tax_amount": .integer(100)])
        do {
            try PermissionMatrix.authorize(change, role: .processor, against: replica)
            Issue.record("a processor changed tax")
        } catch {
            #expect(
                error.message
                    == "w1@kct.example is a processor and may not change prices (tax_amount); only managers and "
                    + "admins may"
            )
        }
        #expect(throws: Rejection.self) {
            try PermissionMatrix.require(.manageAccounts, role: .manager, person: "m@kct.example")
        }
        try PermissionMatrix.require(.manageAccounts, role: .admin, person: "a@kct.example")
        try PermissionMatrix.require(.resolveOwnConflicts, role: .processor, person: "p@kct.example")
        #expect(throws: Rejection.self) {
            try PermissionMatrix.require(.resolveOthersConflicts, role: .processor, person: "p@kct.example")
        }
    }

    @Test func viewerMayOnlyRead() {
        #expect(StaffRole.viewer.permissions == [.readOrders])
        for kind in Self.kinds {
            #expect(PermissionMatrix.firstUnmet(kind.1, role: .viewer, rowExists: true) != nil)
        }
    }

    @Test func rolesAreCumulative() {
        for permission in Permission.allCases {
            let holders = StaffRole.allCases.filter { $0.has(permission) }
            #expect(holders.first == permission.minimumRole)
            #expect(holders == StaffRole.allCases.filter { $0 >= permission.minimumRole })
            #expect(StaffRole.admin.has(permission))
        }
    }

    /// Every row of PERMISSIONS.md's matrix says yes exactly for the roles the code allows.
    @Test func documentMatchesCode() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("protocol/PERMISSIONS.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        var documented: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, ["yes", "no"].contains(cells[1]) else { continue }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Array(cells[1...4])
        }
        #expect(Set(documented.keys) == Set(Permission.allCases.map(\.rawValue)))
        let columns: [StaffRole] = [.viewer, .processor, .manager, .admin]
        for permission in Permission.allCases {
            let expected = columns.map { $0.has(permission) ? "yes" : "no" }
            #expect(documented[permission.rawValue] == expected, "row \(permission.rawValue)")
        }
    }
}
