/// An ISO 4217 currency and the number of decimal digits of its minor unit.
///
/// Only currencies in `exponents` are accepted, so a typo such as `USE` is refused instead of
/// being stored with a guessed exponent.
package struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// Upper-case ISO 4217 code.
    package let code: String
    /// Decimal digits of the minor unit: 2 for USD (cents), 0 for JPY, 3 for KWD.
    package let exponent: Int

    package static let usd = Currency(uncheckedCode: "USD", exponent: 2)
    package static let jpy = Currency(uncheckedCode: "JPY", exponent: 0)

    /// ISO 4217 minor-unit exponents of the currencies KCT may invoice in.
    package static let exponents: [String: Int] = [
        "USD": 2, "CAD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "NZD": 2, "CHF": 2, "MXN": 2,
        "SEK": 2, "NOK": 2, "DKK": 2, "CNY": 2, "HKD": 2, "SGD": 2, "INR": 2, "BRL": 2,
        "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0,
        "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]

    private init(uncheckedCode: String, exponent: Int) {
        self.code = uncheckedCode
        self.exponent = exponent
    }

    /// Looks a code up, accepting lower case (`usd`).
    package init(code: String) throws(MoneyError) {
        let normalised = code.trimmingWhitespace().uppercased()
        guard let exponent = Self.exponents[normalised] else { throw .unknownCurrency(code) }
        self.init(uncheckedCode: normalised, exponent: exponent)
    }

    /// 10^exponent: minor units in one major unit.
    package var minorUnitsPerMajor: Int64 {
        var result: Int64 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    package var description: String { code }
}

extension String {
    /// Trims spaces, tabs and newlines without Foundation's character sets.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
            let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
