import Integrations
import Testing

@Suite struct StripeClassificationTests {
    static let intentJSON = """
        {"id":"pi_1","object":"payment_intent","amount":104900,"currency":"usd","status":"requires_payment_method",
        "client_secret":"pi_1_secret_x","metadata":{"order_id":"o1","effect_id":"e1"},"latest_charge":null,
        "last_payment_error":null}
        """

    func answer(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> ProviderReply {
        .answered(ProviderAnswer(status: status, headers: headers, body: Array(body.utf8)))
    }

    func error(_ type: String, code: String? = nil, message: String = "m") -> String {
        let codeField = code.map { ",\"code\":\"\($0)\"" } ?? ""
        return "{\"error\":{\"type\":\"\(type)\"\(codeField),\"message\":\"\(message)\"}}"
    }

    @Test func successParsesTheIntent() throws {
        let outcome = StripeAPI.classifyPaymentIntentCreation(answer(200, Self.intentJSON), effectID: "e1")
        let intent = try #require(outcome.success)
        #expect(intent.id == "pi_1")
        #expect(intent.amount == 104_900)
        #expect(intent.metadata["effect_id"] == "e1")
        #expect(intent.clientSecret == "pi_1_secret_x")
        #expect(!intent.isSucceeded)
    }

    @Test func replayedAnswersAreRecognised() {
        let replayed = ProviderAnswer(status: 200, headers: [("Idempotent-Replayed", "true")], body: [])
        #expect(StripeAPI.isReplay(replayed))
        #expect(!StripeAPI.isReplay(ProviderAnswer(status: 200)))
    }

    @Test func serverErrorsOnCreateAreUnknownAndReconciledByEffect() {
        for status in [500, 502, 503, 504] {
            let outcome = StripeAPI.classifyPaymentIntentCreation(answer(status, error("api_error")), effectID: "e1")
            guard case .unknown(let reconcile, _) = outcome else {
                Issue.record("\(status) should be unknown, got \(outcome)")
                continue
            }
            #expect(reconcile == .stripePaymentIntentForEffect(effectID: "e1"))
        }
        let refund = StripeAPI.classifyRefundCreation(
            answer(500, error("api_error")), paymentIntentID: "pi_1", effectID: "e2")
        guard case .unknown(.stripeRefundForEffect("pi_1", "e2"), _) = refund else {
            Issue.record("refund 500 should reconcile by listing refunds, got \(refund)")
            return
        }
    }

    @Test func aServerErrorStripeSaysToRetryIsTransient() {
        let outcome = StripeAPI.classifyPaymentIntentCreation(
            answer(500, error("api_error"), headers: [("Stripe-Should-Retry", "true")]), effectID: "e")
        guard case .transient = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
    }

    @Test func lostAnswersAreRetriedUnderTheSameKey() {
        guard
            case .transient(nil, _) = StripeAPI.classifyPaymentIntentCreation(
                .answerLost(reason: "timeout"), effectID: "e")
        else {
            Issue.record("a lost answer is safe to repeat under the same key")
            return
        }
        guard
            case .transient = StripeAPI.classifyRefundCreation(
                .notDelivered(reason: "refused"), paymentIntentID: "p", effectID: "e")
        else {
            Issue.record("an undelivered request is transient")
            return
        }
    }

    @Test func rateLimitsAndConcurrentKeysAreTransientWithRetryAfter() {
        let limited = StripeAPI.classifyPaymentIntentCreation(
            answer(429, error("invalid_request_error", code: "rate_limit"), headers: [("Retry-After", "7")]),
            effectID: "e")
        guard case .transient(let after, let reason) = limited else {
            Issue.record("429 should be transient, got \(limited)")
            return
        }
        #expect(after == .seconds(7))
        #expect(reason.contains("rate_limit"))
        let inFlight = StripeAPI.classifyPaymentIntentCreation(
            answer(409, error("idempotency_error", code: "idempotency_key_in_use")), effectID: "e")
        guard case .transient(nil, _) = inFlight else {
            Issue.record("409 (same key in flight) saves nothing and is transient, got \(inFlight)")
            return
        }
    }

    @Test func clientErrorsArePermanentWithStripesMessage() {
        let reused = StripeAPI.classifyPaymentIntentCreation(
            answer(400, error("idempotency_error", message: "Keys for idempotent requests can only be used...")),
            effectID: "e")
        guard case .permanent(let message) = reused else {
            Issue.record("idempotency_error is permanent, got \(reused)")
            return
        }
        #expect(message.contains("new effect"))
        let declined = StripeAPI.classifyPaymentIntentCreation(
            answer(402, error("card_error", code: "card_declined", message: "Your card was declined.")), effectID: "e")
        guard case .permanent(let declinedMessage) = declined else {
            Issue.record("card_error is permanent, got \(declined)")
            return
        }
        #expect(declinedMessage == "Stripe 402 card_error/card_declined: Your card was declined.")
        guard
            case .permanent(let keyMessage) = StripeAPI.classifyPaymentIntentRetrieval(
                answer(401, error("invalid_request_error", message: "Invalid API Key provided: sk_test_****")))
        else {
            Issue.record("401 is permanent")
            return
        }
        #expect(keyMessage.hasPrefix("Stripe refused the secret key"))
        guard case .permanent = StripeAPI.classifyPaymentIntentRetrieval(answer(404, error("invalid_request_error")))
        else {
            Issue.record("404 is permanent")
            return
        }
    }

    @Test func readsRetryServerErrorsAndLostAnswers() {
        guard case .transient = StripeAPI.classifyPaymentIntentRetrieval(answer(500, error("api_error"))),
            case .transient = StripeAPI.classifyRefundList(.answerLost(reason: "reset"))
        else {
            Issue.record("reads are always safe to repeat")
            return
        }
    }

    @Test func unreadableSuccessOnCreateIsUnknown() {
        guard
            case .unknown(.stripePaymentIntentForEffect("e9"), _) = StripeAPI.classifyPaymentIntentCreation(
                answer(200, "<html>"), effectID: "e9")
        else {
            Issue.record("a 2xx we cannot read means Stripe acted: reconcile")
            return
        }
    }

    @Test func listsFindObjectsByEffect() throws {
        let body = """
            {"object":"list","has_more":false,"data":[
            {"id":"re_2","amount":100,"currency":"usd","status":"succeeded","payment_intent":"pi_1",
            "metadata":{"effect_id":"other"}},
            {"id":"re_1","amount":104900,"currency":"usd","status":"succeeded","payment_intent":"pi_1",
            "metadata":{"effect_id":"e7"}}]}
            """
        let list = try #require(StripeAPI.classifyRefundList(answer(200, body)).success)
        #expect(list.refund(forEffect: "e7")?.id == "re_1")
        #expect(list.refund(forEffect: "missing") == nil)
        let intents = try #require(
            StripeAPI.classifyPaymentIntentList(
                answer(200, "{\"object\":\"list\",\"has_more\":true,\"data\":[\(Self.intentJSON)]}")
            ).success)
        #expect(intents.hasMore)
        #expect(intents.intent(forEffect: "e1")?.id == "pi_1")
    }
}
