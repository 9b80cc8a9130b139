/// An exact amount of money: integer minor units (cents for USD, yen for JPY) in a currency.
/// Never a floating-point number, so `899.00 × 3` is exactly `2697.00`.
package struct Money: Hashable, Sendable, CustomStringConvertible {
    package let minorUnits: Int64
    package let currency: Currency

    package init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    package static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a non-negative decimal amount such as `899.00`, `899.5` or `899` exactly. Refuses
    /// more decimals than the currency has (`8.999` in USD, `10.5` in JPY), signs, thousands
    /// separators, exponents and anything that is not a plain decimal number.
    package init(parsing text: String, currency: Currency) throws(MoneyError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative(text) }
        let parts = trimmed.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2,
            let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit)
        else { throw .malformed(text) }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty else {
            throw .malformed(text)
        }
        guard fraction.count <= currency.exponent else {
            throw .tooManyDecimals(text, currency: currency.code, allowed: currency.exponent)
        }
        let paddedFraction = fraction + String(repeating: "0", count: currency.exponent - fraction.count)
        var units: Int64 = 0
        for digit in (whole + paddedFraction).compactMap(\.wholeNumberValue) {
            let (shifted, overflowA) = units.multipliedReportingOverflow(by: 10)
            let (added, overflowB) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflowA, !overflowB, added <= Self.maximumMinorUnits else { throw .tooLarge(text) }
            units = added
        }
        self.init(minorUnits: units, currency: currency)
    }

    /// The largest amount accepted anywhere: 10^15 minor units, far above any order, far below
    /// Int64 overflow even after multiplying by a quantity.
    package static let maximumMinorUnits: Int64 = 1_000_000_000_000_000

    /// The amount as a plain decimal string with exactly the currency's decimals: `"1049.00"`,
    /// `"120000"` for JPY.
    package var decimalString: String {
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let divisor = UInt64(currency.minorUnitsPerMajor)
        guard currency.exponent > 0 else { return sign + String(magnitude) }
        let fraction = String(magnitude % divisor)
        let padded = String(repeating: "0", count: currency.exponent - fraction.count) + fraction
        return "\(sign)\(magnitude / divisor).\(padded)"
    }

    package var description: String { "\(decimalString) \(currency.code)" }

    package func adding(_ other: Money) throws(MoneyError) -> Money {
        guard other.currency == currency else { throw .currencyMismatch(currency.code, other.currency.code) }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow, sum.magnitude <= Self.maximumMinorUnits.magnitude else { throw .tooLarge(description) }
        return Money(minorUnits: sum, currency: currency)
    }

    package func multiplied(by quantity: Int) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: Int64(quantity))
        guard !overflow, product.magnitude <= Self.maximumMinorUnits.magnitude else {
            throw .tooLarge("\(decimalString) × \(quantity)")
        }
        return Money(minorUnits: product, currency: currency)
    }

    /// `self / count`, rounded half away from zero to a whole minor unit (average order value).
    package func divided(by count: Int) -> Money {
        precondition(count > 0, "division of money by a non-positive count")
        let divisor = Int64(count)
        let (quotient, remainder) = minorUnits.quotientAndRemainder(dividingBy: divisor)
        let roundsAway = remainder.magnitude * 2 >= divisor.magnitude
        return Money(minorUnits: quotient + (roundsAway ? (minorUnits < 0 ? -1 : 1) : 0), currency: currency)
    }
}

/// Why an amount of money was refused.
package enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case malformed(String)
    case negative(String)
    case tooManyDecimals(String, currency: String, allowed: Int)
    case tooLarge(String)
    case unknownCurrency(String)
    case currencyMismatch(String, String)

    package var description: String {
        switch self {
        case .empty: "an amount is required"
        case .malformed(let text):
            "'\(text)' is not an amount (expected digits with an optional decimal point, e.g. 899.00)"
        case .negative(let text): "'\(text)' is negative; amounts must be zero or more"
        case .tooManyDecimals(let text, let currency, let allowed):
            allowed == 0
                ? "'\(text)' has decimals but \(currency) has no minor unit; give a whole amount"
                : "'\(text)' has more than \(allowed) decimals, the most \(currency) allows"
        case .tooLarge(let text): "'\(text)' is too large"
        case .unknownCurrency(let code):
            "unknown currency '\(code)'; known: \(Currency.exponents.keys.sorted().joined(separator: ", "))"
        case .currencyMismatch(let a, let b): "cannot combine \(a) and \(b) amounts"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
