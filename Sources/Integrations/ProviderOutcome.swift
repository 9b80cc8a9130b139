/// How one provider call ended, as the effects ledger must act on it.
package enum ProviderOutcome<Success: Sendable>: Sendable {
    /// The provider did it; the parsed object.
    case succeeded(Success)
    /// Nothing was done, or repeating the very same request is safe (Stripe replays under the
    /// same `Idempotency-Key`): try again with backoff, no sooner than `retryAfter` when given.
    case transient(retryAfter: Duration?, reason: String)
    /// The provider may or may not have acted. Never repeat blindly: find out with `reconcile`.
    case unknown(reconcile: ProviderReconciliation, reason: String)
    /// Retrying cannot help (refused card, invalid request, bad credentials); the provider's message.
    case permanent(message: String)

    /// The success value, if any.
    package var success: Success? {
        if case .succeeded(let value) = self { value } else { nil }
    }
}

/// How to learn what happened to a call whose answer is unknown. Each case names the request that
/// finds out (built by the provider's API type) and how to read its answer.
package enum ProviderReconciliation: Hashable, Sendable {
    /// Stripe PaymentIntent create: list recent intents and find the one whose
    /// `metadata[effect_id]` is this effect's (`StripeAPI.listPaymentIntents`,
    /// `StripePaymentIntentList.intent(forEffect:)`); none found means none was created.
    case stripePaymentIntentForEffect(effectID: String)
    /// Stripe: retrieve the PaymentIntent (`StripeAPI.retrievePaymentIntent`).
    case stripePaymentIntent(id: String)
    /// Stripe refund create: list the intent's refunds and find this effect's
    /// (`StripeAPI.listRefunds`, `StripeRefundList.refund(forEffect:)`).
    case stripeRefundForEffect(paymentIntentID: String, effectID: String)
    /// EasyPost buy: retrieve the shipment (`EasyPostAPI.retrieveShipment`); a postage label means
    /// it was bought; none means buying that same shipment again is safe.
    case easyPostShipment(id: String)
    /// SendGrid cannot be asked whether a message was accepted: the policy in `SendGridAPI` decides.
    case sendGridCannotAsk
}
