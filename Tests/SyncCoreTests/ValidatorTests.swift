import Testing

@testable import SyncCore

/// Business-rule and permission checks on acceptance (CONFLICT-RULES.md §4): a change that
/// breaks one is rejected with a reason a person can read.
@Suite struct ValidatorTests {
    let replica = Build.replica([
        Build.createOrder(), Build.addItem("W0", 2, at: 1, item: "i-1"),
        Build.change(
            "W0", 3, at: 2, .statusHistory, row: "h-1", .append,
            [
                "to_status": .text("processing"), "changed_by": .text("a"),
                "changed_at": .text("2025-11-25T14:00:01.000Z"),
            ]),
    ])

    func rejectionOf(_ change: Change) -> Rejection? {
        do {
            try ChangeValidator.validate(change, against: replica)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (
            "unknown field",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["colour": .text("navy")]),
            Rejection.Code.unknownField
        ),
        ("derived total", Build.change("W1", 1, at: 5, ["total_amount": .integer(1)]), .derivedField),
        (
            "item total",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["total_price": .integer(1)]),
            .derivedField
        ),
        (
            "payment status", Build.change("W1", 1, at: 5, ["payment_status": .text("paid"), "notes": .text("cash")]),
            .centralOnlyField
        ),
        (
            "payment intent", Build.change("W1", 1, at: 5, ["stripe_payment_intent_id": .text("pi_1")]),
            .centralOnlyField
        ),
        (
            "delivery status",
            Build.change(
                "W1", 1, at: 5, .communicationLog, row: "c-1", .setFields, ["delivery_status": .text("opened")]),
            .centralOnlyField
        ),
        ("status in set_fields", Build.change("W1", 1, at: 5, ["status": .text("shipped")]), .immutableField),
        (
            "history edit", Build.change("W1", 1, at: 5, .statusHistory, row: "h-1", .setFields, ["note": .text("x")]),
            .operationNotAllowed
        ),
        (
            "exception type edit",
            Build.change("W1", 1, at: 5, .exception, row: "x-1", .setFields, ["exception_type": .text("x")]),
            .immutableField
        ),
        (
            "negative quantity",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["quantity": .integer(-1)]), .invalidValue
        ),
        (
            "zero quantity",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["quantity": .integer(0)]), .invalidValue
        ),
        (
            "real money", Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["unit_price": .real(12.5)]),
            .invalidValue
        ),
        ("negative tax", Build.change("W1", 1, at: 5, ["tax_amount": .integer(-100)]), .invalidValue),
        ("unknown priority", Build.change("W1", 1, at: 5, ["priority": .text("asap")]), .invalidValue),
        ("bad date", Build.change("W1", 1, at: 5, ["needed_by": .text("next week")]), .invalidValue),
        ("address not JSON", Build.change("W1", 1, at: 5, ["shipping_address": .text("1 Main St")]), .invalidValue),
        ("clearing a required field", Build.change("W1", 1, at: 5, ["customer_name": .null]), .invalidValue),
        ("empty set_fields", Build.change("W1", 1, at: 5, [:]), .missingField),
        ("delete an order", Build.change("W1", 1, at: 5, .order, row: "o-1", .delete, [:]), .operationNotAllowed),
        (
            "delete history", Build.change("W1", 1, at: 5, .statusHistory, row: "h-1", .delete, [:]),
            .operationNotAllowed
        ),
        (
            "status of an item",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setStatus, ["status": .text("shipped")]),
            .operationNotAllowed
        ),
        (
            "edit of an unknown order",
            Build.change("W1", 1, at: 5, .order, row: "o-9", order: "o-9", .setFields, ["notes": .text("x")]),
            .unknownRow
        ),
        ("item of an unknown order", Build.addItem("W1", 1, at: 5, item: "i-9", order: "o-9"), .unknownRow),
        (
            "edit of an unknown item",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-9", .setFields, ["quantity": .integer(2)]), .unknownRow
        ),
        ("delete of an unknown item", Build.change("W1", 1, at: 5, .orderItem, row: "i-9", .delete, [:]), .unknownRow),
        (
            "edit of an unappended exception",
            Build.change("W1", 1, at: 5, .exception, row: "x-9", .setFields, ["resolution_status": .text("resolved")]),
            .unknownRow
        ),
        (
            "append without required fields",
            Build.change("W1", 1, at: 5, .communicationLog, row: "c-1", .append, ["message_content": .text("hi")]),
            .missingField
        ),
        (
            "append reusing an id",
            Build.change(
                "W1", 1, at: 5, .statusHistory, row: "h-1", .append,
                [
                    "to_status": .text("processing"), "changed_by": .text("a"),
                    "changed_at": .text("2025-11-25T14:00:01.000Z"),
                ]), .duplicateRow
        ),
        (
            "item under another order",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", order: "o-2", .setFields, ["quantity": .integer(2)]),
            .orderMismatch
        ),
        (
            "order row id differs",
            Build.change("W1", 1, at: 5, .order, row: "o-1", order: "o-2", .setFields, ["notes": .text("x")]),
            .orderMismatch
        ),
        ("illegal move", Build.move("W1", 1, at: 5, from: "pending_payment", to: "delivered"), .illegalTransition),
        ("cancel after shipping", Build.move("W1", 1, at: 5, from: "shipped", to: "cancelled"), .illegalTransition),
        (
            "refund before payment", Build.move("W1", 1, at: 5, from: "pending_payment", to: "refunded"),
            .illegalTransition
        ),
        ("out of a terminal", Build.move("W1", 1, at: 5, from: "completed", to: "processing"), .illegalTransition),
        (
            "move without from",
            Build.change("W1", 1, at: 5, .order, row: "o-1", .setStatus, ["status": .text("processing")]), .missingField
        ),
        ("unknown status", Build.move("W1", 1, at: 5, from: "pending_payment", to: "lost"), .invalidValue),
        (
            "status other than the initial one at creation",
            Build.change(
                "W1", 1, at: 5, .order, row: "o-2", order: "o-2", .setFields,
                [
                    "order_number": .text("S01-W1-2"), "customer_name": .text("A"), "customer_email": .text("a@b"),
                    "currency": .text("USD"), "status": .text("processing"),
                ]), .immutableField
        ),
        (
            "initial status on an existing order", Build.change("W1", 1, at: 5, ["status": .text("pending_payment")]),
            .immutableField
        ),
        (
            "order_id naming another order",
            Build.change(
                "W1", 1, at: 5, .orderItem, row: "i-1", .setFields,
                ["order_id": .text("o-2"), "quantity": .integer(2)]),
            .orderMismatch
        ),
        (
            "timestamp in seconds",
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["created_at": .integer(1_764_079_200)]),
            .invalidValue
        ),
        (
            "timestamp without zone",
            Build.change(
                "W1", 1, at: 5, .orderItem, row: "i-1", .setFields, ["created_at": .text("2025-11-25T14:00:00.000")]),
            .invalidValue
        ),
        (
            // Was accepted while timestamps were read as Characters: "0\u{301}" is one, between "0" and "9".
            "timestamp with a combining mark on a digit",
            Build.change(
                "W1", 1, at: 5, .orderItem, row: "i-1", .setFields,
                ["created_at": .text("2025-11-25T14:00:00.00\u{301}0Z")]),
            .invalidValue
        ),
        (
            "date with month 13",
            Build.change("W1", 1, at: 5, ["needed_by": .text("2026-13-01")]), .invalidValue
        ),
        (
            "extra field on a move",
            Build.change(
                "W1", 1, at: 5, .order, row: "o-1", .setStatus,
                [
                    "status": .text("payment_confirmed"), "from_status": .text("pending_payment"),
                    "priority": .text("rush"),
                ]), .unknownField
        ),
    ])
    func rejects(_ label: String, change: Change, code: Rejection.Code) throws {
        let rejection = try #require(rejectionOf(change), "\(label) was accepted")
        #expect(rejection.code == code, "\(label): \(rejection)")
        #expect(!rejection.message.isEmpty)
    }

    /// Fields are checked in any order, but the rejection names the first invalid one by name.
    @Test func theFirstInvalidFieldByNameIsReported() throws {
        let change = Build.change(
            "W1", 1, at: 5, .orderItem, row: "i-1", .setFields,
            ["size": .integer(40), "quantity": .text("two"), "color": .integer(1)])
        let rejection = try #require(rejectionOf(change))
        #expect(rejection.code == .invalidValue)
        #expect(rejection.message.hasPrefix("color must be"), "\(rejection)")
    }

    @Test func illegalMoveNamesTheAllowedMoves() throws {
        let rejection = try #require(rejectionOf(Build.move("W1", 1, at: 5, from: "pending_payment", to: "delivered")))
        #expect(rejection.message.contains("allowed from pending_payment: payment_confirmed"))
    }

    @Test(
        arguments: [
            Build.change(
                "W1", 1, at: 5,
                [
                    "notes": .text("x"), "priority": .text("wedding_party"), "needed_by": .text("2026-06-20"),
                    "customer_phone": .null,
                ]),
            Build.addItem("W1", 1, at: 5, item: "i-2"),
            Build.change(
                "W1", 1, at: 5, .orderItem, row: "i-1", .setFields,
                ["custom_measurements": .text(#"{"chest":40}"#), "quantity": .integer(999)]),
            Build.change("W1", 1, at: 5, .orderItem, row: "i-1", .delete, [:]),
            Build.move("W1", 1, at: 5, from: "pending_payment", to: "payment_confirmed"),
            Build.move("W1", 1, at: 5, from: "on_hold", to: "processing", resume: "processing"),
            Build.change(
                "W1", 1, at: 5, .exception, row: "x-1", .append,
                ["exception_type": .text("damaged_cloth"), "exception_severity": .text("high")]),
            Build.change(
                "W1", 1, at: 5, .communicationLog, row: "c-1", .append,
                [
                    "communication_type": .text("note"), "communication_channel": .text("in_person"),
                    "message_content": .text("fitting booked"),
                ]),
            Build.createOrder("W1", 1, at: 5, order: "o-2"),
        ] + ValidatorTests.changesAsTheNodeStoreWritesThem)
    func accepts(change: Change) {
        #expect(rejectionOf(change) == nil)
    }

    /// The field sets the node-core Store records (Sources/Store in the node-core branch), with
    /// `from_status` added to the status move as this protocol requires.
    static let changesAsTheNodeStoreWritesThem: [Change] = [
        Build.change(
            "W1", 1, at: 5, .order, row: "o-2", order: "o-2", .setFields,
            [
                "order_number": .text("S01-W1-0002"), "customer_name": .text("Ada Lovelace"),
                "customer_email": .text("ada@example.com"),
                "customer_phone": .null, "status": .text("pending_payment"), "priority": .text("normal"),
                "currency": .text("USD"),
                "tax_amount": .integer(0), "shipping_amount": .integer(0), "needed_by": .null,
                "shipping_address": .null,
                "billing_address": .null, "notes": .null, "created_at": .text("2025-11-25T14:00:05.000Z"),
                "created_by": .text("maria"),
            ]),
        Build.change(
            "W1", 2, at: 5, .orderItem, row: "i-2", .setFields,
            [
                "order_id": .text("o-1"), "line_number": .integer(2), "product_source": .text("catalog"),
                "product_name": .text("Silk Tie"),
                "size": .null, "color": .text("navy"), "custom_measurements": .null, "quantity": .integer(1),
                "unit_price": .integer(4500),
                "created_at": .text("2025-11-25T14:00:05.000Z"),
            ]),
        Build.change(
            "W1", 3, at: 5, .statusHistory, row: "h-2", .append,
            [
                "order_id": .text("o-1"), "from_status": .text("pending_payment"),
                "to_status": .text("payment_confirmed"),
                "changed_by": .text("maria"), "changed_at": .text("2025-11-25T14:00:05.000Z"), "note": .null,
                "duration_in_previous_seconds": .integer(5),
            ]),
        Build.change(
            "W1", 4, at: 5, .order, row: "o-1", .setStatus,
            [
                "status": .text("payment_confirmed"), "from_status": .text("pending_payment"), "resume_status": .null,
                "note": .null,
            ]),
        Build.change(
            "W1", 5, at: 5, .exception, row: "x-2", .append,
            [
                "order_id": .text("o-1"), "exception_type": .text("damaged_cloth"), "exception_severity": .text("high"),
                "description": .null, "resolution_status": .text("open"), "customer_notified": .bool(false),
                "created_at": .text("2025-11-25T14:00:05.000Z"), "created_by": .text("maria"),
            ]),
        Build.change(
            "W1", 6, at: 5, .communicationLog, row: "c-2", .append,
            [
                "order_id": .text("o-1"), "communication_type": .text("status_update"),
                "communication_channel": .text("email"),
                "message_content": .text("Your suit is ready"), "created_at": .text("2025-11-25T14:00:05.000Z"),
                "created_by": .text("maria"),
            ]),
    ]

    @Test func centralMaySetCentralOnlyFields() {
        let change = Build.change(
            ChangeValidator.centralNodeID, 1, at: 5, ["payment_status": .text("paid"), "payment_method": .text("card")])
        #expect(rejectionOf(change) == nil)
    }

    @Test func everyCatalogFieldHasAKnownClassAndAValidExample() {
        for entity in EntityKind.allCases {
            let names = FieldCatalog.fields(of: entity).map(\.name)
            #expect(Set(names).count == names.count, "\(entity) lists a field twice")
            #expect(!FieldCatalog.operations(of: entity).isEmpty)
        }
        #expect(FieldCatalog.spec(.order, "payment_status")?.fieldClass == .centralOnly)
        #expect(FieldCatalog.spec(.orderItem, "total_price")?.fieldClass == .derived)
    }
}
