import Testing

@testable import OrderDomain

@Suite struct MoneyTests {
    @Test(arguments: [
        ("899.00", 89_900), ("899", 89_900), ("899.5", 89_950), ("0.01", 1), (" 12.30 ", 1_230), ("0", 0),
    ])
    func parsesUSDExactly(text: String, cents: Int64) throws {
        #expect(try Money(parsing: text, currency: .usd).minorUnits == cents)
    }

    @Test func refusesBadAmounts() {
        #expect(throws: MoneyError.tooManyDecimals("8.999", currency: "USD", allowed: 2)) {
            try Money(parsing: "8.999", currency: .usd)
        }
        #expect(throws: MoneyError.negative("-1.00")) { try Money(parsing: "-1.00", currency: .usd) }
        #expect(throws: MoneyError.empty) { try Money(parsing: "  ", currency: .usd) }
        for garbage in ["abc", "1,000.00", "1e3", "+5", "1.", ".5", "1.2.3", "12 34", "0x10", "١٢"] {
            #expect(throws: MoneyError.malformed(garbage)) { try Money(parsing: garbage, currency: .usd) }
        }
        #expect(throws: MoneyError.tooLarge("99999999999999999999")) {
            try Money(parsing: "99999999999999999999", currency: .usd)
        }
    }

    @Test func zeroDecimalCurrencyTakesWholeAmounts() throws {
        let yen = try Currency(code: "jpy")
        #expect(yen == .jpy && yen.exponent == 0)
        #expect(try Money(parsing: "120000", currency: yen).minorUnits == 120_000)
        #expect(try Money(parsing: "120000", currency: yen).decimalString == "120000")
        #expect(throws: MoneyError.tooManyDecimals("1000.5", currency: "JPY", allowed: 0)) {
            try Money(parsing: "1000.5", currency: yen)
        }
        #expect(MoneyError.tooManyDecimals("1000.5", currency: "JPY", allowed: 0).description.contains("no minor unit"))
    }

    @Test func threeDecimalCurrency() throws {
        let dinar = try Currency(code: "KWD")
        #expect(try Money(parsing: "1.234", currency: dinar).decimalString == "1.234")
        #expect(try Money(parsing: "1.2", currency: dinar).minorUnits == 1_200)
    }

    @Test func unknownCurrencyIsRefused() {
        #expect(throws: MoneyError.unknownCurrency("USE")) { try Currency(code: "USE") }
    }

    @Test func formatsWithTheCurrencysDecimals() {
        #expect(Money(minorUnits: 104_900, currency: .usd).decimalString == "1049.00")
        #expect(Money(minorUnits: 5, currency: .usd).decimalString == "0.05")
        #expect(Money(minorUnits: -250, currency: .usd).decimalString == "-2.50")
    }

    @Test func arithmeticIsExactAndChecked() throws {
        let suit = try Money(parsing: "899.00", currency: .usd)
        #expect(try suit.multiplied(by: 3).decimalString == "2697.00")
        #expect(throws: MoneyError.currencyMismatch("USD", "JPY")) { try suit.adding(.zero(.jpy)) }
        #expect(throws: MoneyError.self) {
            try Money(minorUnits: Money.maximumMinorUnits, currency: .usd).multiplied(by: 999)
        }
        #expect(Money(minorUnits: 1_000, currency: .usd).divided(by: 3).minorUnits == 333)
        #expect(Money(minorUnits: 1_000, currency: .usd).divided(by: 6).minorUnits == 167)
    }

    @Test func totalsAreDerivedFromItemsTaxAndShipping() throws {
        let items = [
            ItemDraft(productName: "Navy Suit", quantity: 1, unitPrice: try Money(parsing: "899.00", currency: .usd)),
            ItemDraft(productName: "Silk Tie", quantity: 3, unitPrice: try Money(parsing: "49.99", currency: .usd)),
        ]
        let totals = try OrderTotals(
            items: items, tax: try Money(parsing: "84.50", currency: .usd),
            shipping: try Money(parsing: "15", currency: .usd), currency: .usd)
        #expect(totals.subtotal.decimalString == "1048.97")
        #expect(totals.total.decimalString == "1148.47")
    }

    @Test func totalsInAZeroDecimalCurrency() throws {
        let items = [
            ItemDraft(productName: "Hakama", quantity: 2, unitPrice: try Money(parsing: "45000", currency: .jpy))
        ]
        let totals = try OrderTotals(
            items: items, tax: try Money(parsing: "9000", currency: .jpy), shipping: .zero(.jpy), currency: .jpy)
        #expect(totals.subtotal.decimalString == "90000")
        #expect(totals.total.minorUnits == 99_000)
        #expect(throws: OrderValidationError.self) {
            try OrderTotals(items: items, tax: .zero(.usd), shipping: .zero(.jpy), currency: .jpy)
        }
    }
}
