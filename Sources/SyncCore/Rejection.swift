/// Why central refused a change outright (it broke a business rule or a permission). A
/// rejected change is not logged and changes nothing anywhere; its node keeps it as a conflict.
package struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    package enum Code: String, CaseIterable, Sendable {
        /// The field is not part of the entity's synced fields.
        case unknownField = "unknown_field"
        /// The field is recomputed after every merge and never carried by a change.
        case derivedField = "derived_field"
        /// Only central may set the field (payment and delivery facts).
        case centralOnlyField = "central_only_field"
        /// An append-only field changed after its record was written, or a status-move field
        /// outside `set_status`.
        case immutableField = "immutable_field"
        /// The value has the wrong type or is out of range.
        case invalidValue = "invalid_value"
        /// A required field is missing.
        case missingField = "missing_field"
        /// The entity does not take this operation (e.g. deleting a status history entry).
        case operationNotAllowed = "operation_not_allowed"
        /// The change edits a row or order central does not know, without creating it.
        case unknownRow = "unknown_row"
        /// An append reuses the id of a record that already exists.
        case duplicateRow = "duplicate_row"
        /// The row belongs to another order than the change says.
        case orderMismatch = "order_mismatch"
        /// The status move is not allowed from the status it was made from.
        case illegalTransition = "illegal_transition"
        /// The author's role, as the judging side knows it, does not allow the change
        /// (PERMISSIONS.md). The message names the role and which roles may.
        case forbidden
        /// The author is not a staff account central knows.
        case unknownAuthor = "unknown_author"
        /// The author's account is disabled.
        case accountDisabled = "account_disabled"
        /// The change is for an order of another shop than the pushing node's.
        case wrongShop = "wrong_shop"
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }
}
