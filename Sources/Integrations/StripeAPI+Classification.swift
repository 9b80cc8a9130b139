import Foundation

extension StripeAPI {
    /// The answer to `createPaymentIntent`. A 5xx is unknown (Stripe saved it for the key and
    /// would replay it): find the intent by its `metadata[effect_id]`.
    package static func classifyPaymentIntentCreation(_ reply: ProviderReply, effectID: String)
        -> ProviderOutcome<StripePaymentIntent>
    {
        classifyWrite(reply, reconcile: .stripePaymentIntentForEffect(effectID: effectID))
    }

    /// The answer to `createRefund`; a 5xx is reconciled by listing the intent's refunds.
    package static func classifyRefundCreation(_ reply: ProviderReply, paymentIntentID: String, effectID: String)
        -> ProviderOutcome<StripeRefund>
    {
        classifyWrite(reply, reconcile: .stripeRefundForEffect(paymentIntentID: paymentIntentID, effectID: effectID))
    }

    /// The answer to `retrievePaymentIntent`.
    package static func classifyPaymentIntentRetrieval(_ reply: ProviderReply) -> ProviderOutcome<StripePaymentIntent> {
        classifyRead(reply)
    }

    /// The answer to `listPaymentIntents`.
    package static func classifyPaymentIntentList(_ reply: ProviderReply)
        -> ProviderOutcome<StripeList<StripePaymentIntent>>
    {
        classifyRead(reply)
    }

    /// The answer to `listRefunds`.
    package static func classifyRefundList(_ reply: ProviderReply) -> ProviderOutcome<StripeList<StripeRefund>> {
        classifyRead(reply)
    }

    /// Whether Stripe replayed a saved answer for a repeated `Idempotency-Key`.
    package static func isReplay(_ answer: ProviderAnswer) -> Bool {
        answer.header("Idempotent-Replayed")?.lowercased() == "true"
    }

    // MARK: Shared rules

    /// A POST carrying an `Idempotency-Key`.
    private static func classifyWrite<Object: Decodable & Sendable>(
        _ reply: ProviderReply, reconcile: ProviderReconciliation
    ) -> ProviderOutcome<Object> {
        switch reply {
        case .notDelivered(let reason):
            return .transient(retryAfter: nil, reason: "Stripe was not reached: \(reason)")
        case .answerLost(let reason):
            // If Stripe ran the first request it saved the answer under the key and replays it.
            return .transient(
                retryAfter: nil, reason: "Stripe's answer was lost (\(reason)); repeat under the same Idempotency-Key")
        case .answered(let answer):
            if (200..<300).contains(answer.status) {
                do {
                    return .succeeded(try JSONDecoder().decode(Object.self, from: Data(answer.body)))
                } catch {
                    return .unknown(
                        reconcile: reconcile, reason: "Stripe answered \(answer.status) unreadably: \(error)")
                }
            }
            if answer.status >= 500 {
                if answer.header("Stripe-Should-Retry")?.lowercased() == "true" {
                    return .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer))
                }
                return .unknown(reconcile: reconcile, reason: errorSummary(answer))
            }
            return classifyClientError(answer)
        }
    }

    /// A GET: repeating it is always safe.
    private static func classifyRead<Object: Decodable & Sendable>(_ reply: ProviderReply) -> ProviderOutcome<Object> {
        switch reply {
        case .notDelivered(let reason), .answerLost(let reason):
            return .transient(retryAfter: nil, reason: "Stripe did not answer: \(reason)")
        case .answered(let answer):
            if (200..<300).contains(answer.status) {
                do {
                    return .succeeded(try JSONDecoder().decode(Object.self, from: Data(answer.body)))
                } catch {
                    return .permanent(message: "Stripe answered \(answer.status) unreadably: \(error)")
                }
            }
            if answer.status >= 500 { return .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer)) }
            return classifyClientError(answer)
        }
    }

    /// 4xx: Stripe did nothing. 409 (the same key in flight concurrently, or a lock timeout) and
    /// 429 save no answer, so the same request may be repeated; every other 4xx is final.
    private static func classifyClientError<Object>(_ answer: ProviderAnswer) -> ProviderOutcome<Object> {
        let error = errorBody(answer)
        switch answer.status {
        case 409, 429:
            return .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer))
        case 401:
            return .permanent(message: "Stripe refused the secret key: \(error?.message ?? "401 Unauthorized")")
        default:
            if error?.type == "idempotency_error" {
                return .permanent(
                    message: "a repeated Idempotency-Key with other parameters (a changed request must be a new "
                        + "effect): \(errorSummary(answer))")
            }
            return .permanent(message: errorSummary(answer))
        }
    }

    private static func errorBody(_ answer: ProviderAnswer) -> StripeErrorBody.Detail? {
        try? JSONDecoder().decode(StripeErrorBody.self, from: Data(answer.body)).error
    }

    /// `Stripe 402 card_error/card_declined: Your card was declined.`
    static func errorSummary(_ answer: ProviderAnswer) -> String {
        guard let error = errorBody(answer) else {
            return "Stripe answered \(answer.status): \(answer.bodyText.prefix(200))"
        }
        let code = error.code.map { "/\($0)" } ?? ""
        return "Stripe \(answer.status) \(error.type)\(code): \(error.message ?? "no message")"
    }
}
