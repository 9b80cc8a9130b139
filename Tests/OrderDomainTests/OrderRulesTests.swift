import Testing

@testable import OrderDomain

@Suite struct OrderRulesTests {
    func draft(email: String = "jane@example.com", items: [ItemDraft]? = nil) throws -> OrderDraft {
        let defaultItems = [
            ItemDraft(
                productName: "Navy Suit", size: "40R", color: "navy", customMeasurements: #"{"waist": 34, "chest":40}"#,
                unitPrice: try Money(parsing: "899.00", currency: .usd))
        ]
        return OrderDraft(
            customer: Customer(name: " Jane Doe ", email: email, phone: "+1 (555) 010-0100"),
            items: items ?? defaultItems)
    }

    @Test func validDraftIsNormalised() throws {
        let (draft, totals) = try draft().validated()
        #expect(draft.customer.name == "Jane Doe")
        #expect(draft.items[0].customMeasurements == #"{"chest":40,"waist":34}"#)
        #expect(totals.total.decimalString == "899.00")
    }

    @Test(arguments: [
        "", "jane", "jane@", "@example.com", "jane@example", "ja ne@example.com", "a@b@c.com", "jane@example..com",
    ])
    func badEmailsAreRefused(email: String) throws {
        #expect(throws: OrderValidationError.self) { try draft(email: email).validated() }
    }

    @Test func badItemsAreRefused() throws {
        let price = try Money(parsing: "10", currency: .usd)
        #expect(throws: OrderValidationError.noItems) { try draft(items: []).validated() }
        #expect(throws: OrderValidationError.invalidQuantity(0)) {
            try draft(items: [ItemDraft(productName: "Tie", quantity: 0, unitPrice: price)]).validated()
        }
        #expect(throws: OrderValidationError.missingField("product_name")) {
            try draft(items: [ItemDraft(productName: " ", unitPrice: price)]).validated()
        }
        #expect(throws: OrderValidationError.notAJSONObject(field: "custom_measurements")) {
            try draft(items: [ItemDraft(productName: "Tie", customMeasurements: "[1,2]", unitPrice: price)]).validated()
        }
        #expect(throws: OrderValidationError.self) {
            try draft(items: [ItemDraft(productName: "Tie", unitPrice: .zero(.jpy))]).validated()
        }
    }

    @Test func phonesAreChecked() throws {
        #expect(try Customer.validPhone("") == nil)
        #expect(throws: OrderValidationError.invalidPhone("call me")) { try Customer.validPhone("call me") }
        #expect(throws: OrderValidationError.invalidPhone("123456789012345678901")) {
            try Customer.validPhone("123456789012345678901")
        }
    }

    @Test func orderNumbersAreUniquePerWorkstationAndFitTwentyCharacters() throws {
        let a = try OrderNumberPrefix(shopCode: "s01", workstationCode: "w1")
        let b = try OrderNumberPrefix(shopCode: "S01", workstationCode: "W2")
        #expect(try a.orderNumber(sequence: 42) == "S01-W1-000042")
        let numbersA = try Set((1...500).map { sequence throws in try a.orderNumber(sequence: Int64(sequence)) })
        let numbersB = try Set((1...500).map { sequence throws in try b.orderNumber(sequence: Int64(sequence)) })
        #expect(numbersA.count == 500 && numbersA.isDisjoint(with: numbersB))
        let longest = try OrderNumberPrefix(shopCode: "ABCDE", workstationCode: "12345").orderNumber(
            sequence: OrderNumberPrefix.maximumSequence)
        #expect(longest.count == 20)
        #expect(throws: OrderValidationError.orderNumbersExhausted) {
            try a.orderNumber(sequence: OrderNumberPrefix.maximumSequence + 1)
        }
        #expect(throws: OrderValidationError.self) { try OrderNumberPrefix(shopCode: "S-01", workstationCode: "W1") }
        #expect(throws: OrderValidationError.self) {
            try OrderNumberPrefix(shopCode: "S01", workstationCode: "TOOLONG")
        }
    }

    @Test func calendarDatesRoundTrip() throws {
        #expect(try CalendarDate(parsing: "2026-12-24").description == "2026-12-24")
        #expect(try CalendarDate(parsing: "1970-01-01").daysSince1970 == 0)
        #expect(try CalendarDate(parsing: "2024-02-29").daysSince1970 == 19_782)
        #expect(CalendarDate(utcDayOf: 19_782 * 86_400 + 86_399) == (try CalendarDate(parsing: "2024-02-29")))
        for bad in ["2025-02-29", "2026-13-01", "26-12-24", "2026/12/24", "tomorrow"] {
            #expect(throws: OrderValidationError.invalidDate(bad)) { try CalendarDate(parsing: bad) }
        }
    }

    @Test func priorityScoreFollowsTheDocumentedFormula() throws {
        let day = 86_400.0
        let now = 20_000 * day + 12 * 3600 // noon UTC on day 20000
        #expect(PriorityScore.score(priority: .normal, createdAtSeconds: now, neededBy: nil, nowSeconds: now) == 200)
        #expect(
            PriorityScore.score(priority: .normal, createdAtSeconds: now - 5.5 * 3600, neededBy: nil, nowSeconds: now)
                == 210)
        #expect(
            PriorityScore.score(priority: .low, createdAtSeconds: now - 30 * day, neededBy: nil, nowSeconds: now) == 436
        )
        let today = CalendarDate(utcDayOf: now)
        let inTenDays = CalendarDate(utcDayOf: now + 10 * day)
        let inMonth = CalendarDate(utcDayOf: now + 30 * day)
        let yesterday = CalendarDate(utcDayOf: now - day)
        #expect(
            PriorityScore.score(priority: .weddingParty, createdAtSeconds: now, neededBy: today, nowSeconds: now)
                == 1000)
        #expect(
            PriorityScore.score(priority: .weddingParty, createdAtSeconds: now, neededBy: inTenDays, nowSeconds: now)
                == 600)
        #expect(
            PriorityScore.score(priority: .weddingParty, createdAtSeconds: now, neededBy: inMonth, nowSeconds: now)
                == 400)
        #expect(
            PriorityScore.score(priority: .promGroup, createdAtSeconds: now, neededBy: yesterday, nowSeconds: now)
                == 1050)
        let ranked = OrderPriority.allCases.sorted { PriorityScore.base($0) < PriorityScore.base($1) }
        #expect(ranked == [.low, .normal, .high, .promGroup, .weddingParty, .vipCustomer, .urgent, .rush])
    }

    @Test func patchesValidateOnlyWhatTheyChange() throws {
        let patch = try OrderPatch(
            customerPhone: "", notes: "call first", neededBy: .some(nil), tax: Money(parsing: "5", currency: .usd)
        ).validated(currency: .usd)
        #expect(patch.customerPhone == .some(nil))
        #expect(patch.notes == .some("call first"))
        #expect(patch.customerName == nil)
        #expect(throws: OrderValidationError.invalidEmail("x")) {
            try OrderPatch(customerEmail: "x").validated(currency: .usd)
        }
        #expect(throws: OrderValidationError.self) { try OrderPatch(tax: .zero(.jpy)).validated(currency: .usd) }
        #expect(throws: OrderValidationError.notAJSONObject(field: "shipping_address")) {
            try OrderPatch(shippingAddress: "Main St").validated(currency: .usd)
        }
    }

    @Test func itemPatchRevalidatesTheWholeItem() throws {
        let item = ItemDraft(productName: "Vest", quantity: 2, unitPrice: try Money(parsing: "120.00", currency: .usd))
        let patched = try ItemPatch(color: "", quantity: 3).applied(to: item)
        #expect(patched.quantity == 3 && patched.color == nil)
        #expect(throws: OrderValidationError.invalidQuantity(1000)) { try ItemPatch(quantity: 1000).applied(to: item) }
    }

    @Test func exceptionsAreNormalisedAndSettledOnce() throws {
        let draft = try ExceptionDraft(type: " Wrong Measurement ", severity: .high).validated()
        #expect(draft.type == "wrong_measurement")
        #expect(throws: OrderValidationError.missingField("exception_type")) {
            try ExceptionDraft(type: "  ", severity: .low).validated()
        }
        let settled = try ExceptionResolutionChange(
            current: .open, to: .resolved, notes: "remade", customerNotified: true)
        #expect(settled.resolution == .resolved)
        #expect(throws: OrderValidationError.exceptionSettled("resolved")) {
            try ExceptionResolutionChange(current: .resolved, to: .dismissed, notes: nil, customerNotified: nil)
        }
        #expect(throws: OrderValidationError.self) {
            try ExceptionResolutionChange(current: .open, to: .open, notes: nil, customerNotified: nil)
        }
    }

    @Test func dashboardStatsFollowTheSeedsFigures() {
        func group(
            _ status: OrderStatus, _ priority: OrderPriority = .normal, resume: OrderStatus? = nil,
            currency: Currency = .usd, count: Int, total: Int64
        ) -> DashboardStats.Group {
            DashboardStats.Group(
                status: status, resumeStatus: resume, priority: priority, currency: currency, count: count,
                totalMinorUnits: total)
        }
        let stats = DashboardStats(groups: [
            group(.pendingPayment, .rush, count: 2, total: 20_000),
            group(.paymentConfirmed, count: 1, total: 10_000),
            group(.inProduction, .rush, count: 1, total: 30_000),
            group(.onHold, resume: .packaging, count: 1, total: 5_000),
            group(.shipped, count: 1, total: 1_001),
            group(.completed, .rush, count: 1, total: 2_000),
            group(.cancelled, count: 1, total: 99_999),
            group(.refunded, count: 1, total: 88_888),
            group(.delivered, currency: .jpy, count: 2, total: 30_001),
        ])
        #expect(stats.totalOrders == 11)
        #expect(stats.pendingOrders == 3)
        #expect(stats.processingOrders == 1)
        #expect(stats.shippedOrders == 3)
        #expect(stats.completedOrders == 1)
        #expect(stats.rushOrders == 3)
        #expect(stats.revenue.map(\.currency) == [.jpy, .usd])
        #expect(stats.revenue[1].totalRevenue.decimalString == "480.01")
        #expect(stats.revenue[1].paidOrders == 5)
        #expect(stats.revenue[1].averageOrderValue.decimalString == "96.00")
        #expect(stats.revenue[0].averageOrderValue.decimalString == "15001")
    }
}
