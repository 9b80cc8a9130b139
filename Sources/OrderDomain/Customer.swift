import Foundation

/// The customer an order is for. Field limits are those of KCT's original schema.
package struct Customer: Hashable, Sendable {
    package var name: String
    package var email: String
    package var phone: String?

    package init(name: String, email: String, phone: String? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
    }

    /// Trims every field and checks it.
    package func validated() throws(OrderValidationError) -> Customer {
        Customer(
            name: try Self.validName(name),
            email: try Self.validEmail(email),
            phone: try phone.map { value throws(OrderValidationError) in try Self.validPhone(value) } ?? nil)
    }

    package static func validName(_ name: String) throws(OrderValidationError) -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .missingField("customer_name") }
        guard trimmed.count <= 255 else { throw .tooLong(field: "customer_name", limit: 255) }
        return trimmed
    }

    /// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces.
    package static func validEmail(_ email: String) throws(OrderValidationError) -> String {
        let trimmed = email.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .missingField("customer_email") }
        guard trimmed.count <= 255 else { throw .tooLong(field: "customer_email", limit: 255) }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty,
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "," || $0 == ";" }),
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !parts[1].contains("..")
        else { throw .invalidEmail(email) }
        return trimmed
    }

    /// Empty means no phone number.
    package static func validPhone(_ phone: String) throws(OrderValidationError) -> String? {
        let trimmed = phone.trimmingWhitespace()
        if trimmed.isEmpty { return nil }
        let allowed: Set<Character> = [" ", "+", "-", "(", ")", "."]
        guard trimmed.count <= 20, trimmed.contains(where: \.isASCIIDigit),
            trimmed.allSatisfy({ $0.isASCIIDigit || allowed.contains($0) })
        else { throw .invalidPhone(phone) }
        return trimmed
    }
}

/// Checks that a text field holds one JSON object (custom measurements, addresses) and returns
/// it re-encoded with sorted keys, so equal documents are stored as equal text.
package enum JSONObjectText {
    package static func validated(_ text: String, field: String) throws(OrderValidationError) -> String {
        guard let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { throw .notAJSONObject(field: field) }
        return String(decoding: canonical, as: UTF8.self)
    }
}

/// Optional free-text fields with a length limit; blank means absent.
enum TextField {
    static func optional(_ text: String?, field: String, limit: Int) throws(OrderValidationError) -> String? {
        guard let trimmed = text?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
        guard trimmed.count <= limit else { throw .tooLong(field: field, limit: limit) }
        return trimmed
    }
}
