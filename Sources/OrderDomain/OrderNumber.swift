/// Order numbers that are unique across every workstation, even when created offline.
///
/// Format: `SHOP-WS-NNNNNN`, e.g. `S01-W1-000042`: the shop code, the workstation code and the
/// workstation's own sequence, zero-padded to six digits and growing to at most eight. Two
/// workstations never produce the same number because their `SHOP-WS` prefixes differ (each
/// workstation of a shop has its own code); a workstation never repeats one because its sequence
/// only goes up. At most 5 + 1 + 5 + 1 + 8 = 20 characters, the seed schema's `VARCHAR(20)`.
package struct OrderNumberPrefix: Hashable, Sendable, CustomStringConvertible {
    package static let maximumSequence: Int64 = 99_999_999

    package let shopCode: String
    package let workstationCode: String

    /// Codes are 1 to 5 ASCII letters or digits, stored upper case.
    package init(shopCode: String, workstationCode: String) throws(OrderValidationError) {
        self.shopCode = try Self.validCode(shopCode, field: "shop code")
        self.workstationCode = try Self.validCode(workstationCode, field: "workstation name")
    }

    package static func validCode(_ text: String, field: String) throws(OrderValidationError) -> String {
        let code = text.trimmingWhitespace().uppercased()
        guard (1...5).contains(code.count),
            code.allSatisfy({ $0.isASCIIDigit || ("A"..."Z").contains($0) })
        else { throw .invalidCode(field: field, value: text) }
        return code
    }

    package var description: String { "\(shopCode)-\(workstationCode)" }

    /// The number for the workstation's `sequence`-th order (starting at 1).
    package func orderNumber(sequence: Int64) throws(OrderValidationError) -> String {
        guard sequence >= 1, sequence <= Self.maximumSequence else { throw .orderNumbersExhausted }
        let digits = String(sequence)
        return "\(shopCode)-\(workstationCode)-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
