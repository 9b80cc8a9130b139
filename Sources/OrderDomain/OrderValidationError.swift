/// Why an order, item or edit was refused by the business rules.
package enum OrderValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingField(String)
    case tooLong(field: String, limit: Int)
    case invalidEmail(String)
    case invalidPhone(String)
    case invalidDate(String)
    case invalidQuantity(Int)
    case notAJSONObject(field: String)
    case noItems
    case lastItem
    case money(field: String, MoneyError)
    case invalidCode(field: String, value: String)
    case orderNumbersExhausted
    case invalidChoice(field: String, value: String, allowed: [String])
    case exceptionSettled(String)
    case nothingToChange
    case unchanged(field: String, value: String)
    /// Queue claims (`QueueClaim`).
    case notClaimable(status: String)
    case claimHeld(by: String, since: String)
    case alreadyYourClaim
    case notClaimed

    package var description: String {
        switch self {
        case .missingField(let field): "\(field) is required"
        case .tooLong(let field, let limit): "\(field) is longer than \(limit) characters"
        case .invalidEmail(let text): "'\(text)' is not an e-mail address"
        case .invalidPhone(let text):
            "'\(text)' is not a phone number (digits, spaces, + - ( ) and . only, at most 20 characters)"
        case .invalidDate(let text): "'\(text)' is not a date (expected YYYY-MM-DD)"
        case .invalidQuantity(let quantity): "quantity \(quantity) is out of range (1...\(ItemDraft.maximumQuantity))"
        case .notAJSONObject(let field): "\(field) must be a JSON object"
        case .noItems: "an order needs at least one item"
        case .lastItem: "cannot remove the last item of an order; cancel the order instead"
        case .money(let field, let error): "\(field): \(error)"
        case .invalidCode(let field, let value):
            "\(field) '\(value)' must be 1 to 5 letters or digits"
        case .orderNumbersExhausted: "this workstation has used all its order numbers"
        case .invalidChoice(let field, let value, let allowed):
            "\(field) '\(value)' is not one of: \(allowed.joined(separator: ", "))"
        case .nothingToChange: "nothing to change: give at least one field"
        case .unchanged(let field, let value): "\(field) is already \(value)"
        case .exceptionSettled(let resolution): "the exception is already \(resolution); nothing to resolve"
        case .notClaimable(let status):
            "an order in \(status) cannot be claimed: claims are for open work, not on hold, in exception or closed"
        case .claimHeld(let person, let since):
            "the order is claimed by \(person) since \(since); they or a manager can release it"
        case .alreadyYourClaim: "you already hold this order's claim"
        case .notClaimed: "the order is not claimed"
        }
    }
}

extension OrderValidationError {
    /// The snake_case field the refusal is about, so a screen can show it beside that field;
    /// nil when it is about the order or item as a whole.
    package var field: String? {
        switch self {
        case .missingField(let field), .tooLong(let field, _), .notAJSONObject(let field), .money(let field, _),
            .invalidCode(let field, _), .invalidChoice(let field, _, _), .unchanged(let field, _):
            field
        case .invalidEmail: "customer_email"
        case .invalidPhone: "customer_phone"
        case .invalidDate: "needed_by"
        case .invalidQuantity: "quantity"
        case .noItems: "items"
        case .exceptionSettled: "resolution_status"
        case .lastItem, .orderNumbersExhausted, .nothingToChange, .notClaimable, .claimHeld, .alreadyYourClaim,
            .notClaimed:
            nil
        }
    }
}
