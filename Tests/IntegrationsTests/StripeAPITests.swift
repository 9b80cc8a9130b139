import Integrations
import OrderDomain
import Testing

@Suite struct StripeAPITests {
    let api = StripeAPI(
        configuration: StripeConfiguration(secretKey: ProviderSecret("sk_test_abc"), baseURL: "https://stripe.test/"))

    func money(_ text: String, _ code: String) throws -> Money {
        try Money(parsing: text, currency: try Currency(code: code))
    }

    @Test func amountsAreMinorUnitsPerCurrency() throws {
        #expect(try StripeAPI.amount(for: money("1049.00", "USD")) == 104_900)
        #expect(try StripeAPI.amount(for: money("0.5", "USD")) == 50)
        #expect(try StripeAPI.amount(for: money("120000", "JPY")) == 120_000)
        // ISK is two-decimal in Stripe's API although it has no minor unit.
        #expect(try StripeAPI.amount(for: money("5000", "ISK")) == 500_000)
        #expect(try StripeAPI.amount(for: money("5.120", "KWD")) == 5120)
        #expect(throws: ProviderError.self) { try StripeAPI.amount(for: money("5.124", "KWD")) }
        #expect(throws: ProviderError.self) { try StripeAPI.amount(for: money("0", "USD")) }
    }

    @Test func paymentIntentCreationIsFormEncodedWithKeyAndMetadata() throws {
        let request = try api.createPaymentIntent(
            StripePaymentIntentCreation(
                orderID: "ord-1", effectID: "eff-42", amount: money("1049.00", "USD"), description: "Order KCT-1 & co"))
        #expect(request.method == .post)
        #expect(request.url == "https://stripe.test/v1/payment_intents")
        #expect(request.header("authorization") == "Bearer sk_test_abc")
        #expect(request.header("Idempotency-Key") == "eff-42")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(
            request.bodyText
                == "amount=104900&currency=usd&metadata%5Border_id%5D=ord-1&metadata%5Beffect_id%5D=eff-42"
                + "&description=Order%20KCT-1%20%26%20co")
        #expect(!request.description.contains("sk_test_abc"))
    }

    @Test func yenIsSentWithoutDecimalsAndLowercase() throws {
        let request = try api.createPaymentIntent(
            StripePaymentIntentCreation(orderID: "o", effectID: "e", amount: money("120000", "JPY")))
        #expect(request.bodyText?.hasPrefix("amount=120000&currency=jpy&") == true)
    }

    @Test func sameIntentBuildsTheSameBytes() throws {
        let intent = StripePaymentIntentCreation(orderID: "o", effectID: "e", amount: try money("10", "EUR"))
        #expect(try api.createPaymentIntent(intent) == api.createPaymentIntent(intent))
    }

    @Test func idempotencyKeysComeFromTheEffect() throws {
        #expect(StripeAPI.idempotencyKey(effectID: "eff-1", generation: 0) == "eff-1")
        #expect(StripeAPI.idempotencyKey(effectID: "eff-1", generation: 2) == "eff-1/2")
        let tooLong = String(repeating: "k", count: 256)
        #expect(throws: ProviderError.self) {
            try api.createPaymentIntent(
                StripePaymentIntentCreation(orderID: "o", effectID: tooLong, amount: try money("10", "USD")))
        }
        #expect(StripeAPI.keyMayHaveExpired(firstAttempt: 1_000, now: 1_000 + 86_400))
        #expect(!StripeAPI.keyMayHaveExpired(firstAttempt: 1_000, now: 1_000 + 86_399))
    }

    @Test func refundAndReconciliationRequests() throws {
        let refund = try api.createRefund(
            StripeRefundCreation(orderID: "o1", effectID: "eff-r", paymentIntentID: "pi_1"))
        #expect(refund.path == "/v1/refunds")
        #expect(refund.bodyText == "payment_intent=pi_1&metadata%5Border_id%5D=o1&metadata%5Beffect_id%5D=eff-r")
        #expect(refund.header("Idempotency-Key") == "eff-r")
        let partial = try api.createRefund(
            StripeRefundCreation(orderID: "o1", effectID: "e", paymentIntentID: "pi_1", amount: money("10.5", "USD")))
        #expect(partial.bodyText?.contains("&amount=1050&") == true)
        #expect(api.listRefunds(paymentIntentID: "pi_1").path == "/v1/refunds?payment_intent=pi_1&limit=100")
        #expect(api.retrievePaymentIntent(id: "pi_1").method == .get)
        #expect(api.retrievePaymentIntent(id: "pi_1").header("Idempotency-Key") == nil)
        #expect(
            api.listPaymentIntents(createdSince: 1_700_000_000, startingAfter: "pi_9").path
                == "/v1/payment_intents?created%5Bgte%5D=1700000000&limit=100&starting_after=pi_9")
    }
}
