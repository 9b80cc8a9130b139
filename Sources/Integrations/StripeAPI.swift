import OrderDomain

/// Stripe's API as kct uses it: PaymentIntents for an order's total and Refunds, form-encoded,
/// authenticated with the secret key as a Bearer token.
///
/// Exactly once: every POST carries an `Idempotency-Key` derived from the ledger's effect id
/// (never a random one, so it survives a restart), and `metadata[effect_id]` so the object can be
/// found again. Stripe saves the first answer for a key once the endpoint starts running,
/// *including 500s*, and replays it with `Idempotent-Replayed: true`; so a lost answer is retried
/// under the same key, while a 5xx is reconciled (the object looked up) rather than retried.
package struct StripeAPI: Sendable {
    package static let defaultBaseURL = "https://api.stripe.com"
    /// The metadata keys kct writes on every object it creates.
    package static let effectIDMetadataKey = "effect_id"
    package static let orderIDMetadataKey = "order_id"
    /// Stripe may prune a key after 24 hours and would then run a repeat as a new request: past
    /// this age since the first attempt, reconcile instead of retrying.
    package static let idempotencyKeyLifetime: Duration = .seconds(24 * 3600)
    /// Stripe's limit on an `Idempotency-Key`.
    package static let maximumIdempotencyKeyLength = 255

    package let configuration: StripeConfiguration

    package init(configuration: StripeConfiguration) {
        self.configuration = configuration
    }

    // MARK: Requests

    /// `POST /v1/payment_intents` for an order's amount.
    package func createPaymentIntent(_ intent: StripePaymentIntentCreation) throws(ProviderError) -> ProviderRequest {
        var fields: [(String, String)] = [
            ("amount", String(try Self.amount(for: intent.amount))),
            ("currency", intent.amount.currency.code.lowercased()),
            ("metadata[\(Self.orderIDMetadataKey)]", intent.orderID),
            ("metadata[\(Self.effectIDMetadataKey)]", intent.effectID),
        ]
        if let description = intent.description { fields.append(("description", description)) }
        if let email = intent.receiptEmail { fields.append(("receipt_email", email)) }
        return try post("/v1/payment_intents", fields: fields, idempotencyKey: intent.idempotencyKey)
    }

    /// `GET /v1/payment_intents/:id`.
    package func retrievePaymentIntent(id: String) -> ProviderRequest {
        get("/v1/payment_intents/\(FormEncoding.encodeComponent(id))")
    }

    /// `GET /v1/payment_intents?created[gte]=…&limit=100`: the intents created since the effect's
    /// first attempt, to find the one carrying its `metadata[effect_id]` after a 5xx. (A list, not
    /// Search: Search lags writes by up to an hour.)
    package func listPaymentIntents(createdSince unixSeconds: Int64, startingAfter: String? = nil) -> ProviderRequest {
        var query = "created%5Bgte%5D=\(unixSeconds)&limit=100"
        if let startingAfter { query += "&starting_after=\(FormEncoding.encodeComponent(startingAfter))" }
        return get("/v1/payment_intents?\(query)")
    }

    /// `POST /v1/refunds` for a PaymentIntent (all of it unless `amount` is given).
    package func createRefund(_ intent: StripeRefundCreation) throws(ProviderError) -> ProviderRequest {
        var fields: [(String, String)] = [("payment_intent", intent.paymentIntentID)]
        if let amount = intent.amount { fields.append(("amount", String(try Self.amount(for: amount)))) }
        fields += [
            ("metadata[\(Self.orderIDMetadataKey)]", intent.orderID),
            ("metadata[\(Self.effectIDMetadataKey)]", intent.effectID),
        ]
        return try post("/v1/refunds", fields: fields, idempotencyKey: intent.idempotencyKey)
    }

    /// `GET /v1/refunds?payment_intent=…&limit=100`.
    package func listRefunds(paymentIntentID: String) -> ProviderRequest {
        get("/v1/refunds?payment_intent=\(FormEncoding.encodeComponent(paymentIntentID))&limit=100")
    }

    private func get(_ path: String) -> ProviderRequest {
        ProviderRequest(method: .get, baseURL: configuration.baseURL, path: path, headers: authorization)
    }

    private func post(_ path: String, fields: [(String, String)], idempotencyKey: String) throws(ProviderError)
        -> ProviderRequest
    {
        guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= Self.maximumIdempotencyKeyLength else {
            throw .invalidIntent(
                "a Stripe Idempotency-Key must have 1 to \(Self.maximumIdempotencyKeyLength) characters")
        }
        let headers =
            authorization + [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Idempotency-Key", idempotencyKey),
            ]
        return ProviderRequest(
            method: .post, baseURL: configuration.baseURL, path: path, headers: headers,
            body: FormEncoding.encode(fields))
    }

    private var authorization: [(name: String, value: String)] {
        [("Authorization", "Bearer \(configuration.secretKey.value)")]
    }

    // MARK: Amounts

    /// An amount as Stripe wants it: the currency's minor units (cents; yen as is), with Stripe's
    /// special cases: ISK stays two-decimal in Stripe's API (1 króna = 100), and three-decimal
    /// currencies (KWD, BHD, …) must end in 0, so an amount that does not is refused rather than
    /// rounded.
    package static func amount(for money: Money) throws(ProviderError) -> Int64 {
        guard money.minorUnits > 0 else {
            throw .invalidIntent("Stripe cannot charge or refund \(money): the amount must be positive")
        }
        switch money.currency.code {
        case "ISK":
            return money.minorUnits * 100
        default:
            if money.currency.exponent == 3, money.minorUnits % 10 != 0 {
                throw .invalidIntent(
                    "Stripe takes \(money.currency.code) amounts in whole tens of the minor unit; \(money) is not")
            }
            return money.minorUnits
        }
    }
}

/// What to ask Stripe for when staff request payment of an order.
package struct StripePaymentIntentCreation: Hashable, Sendable {
    package var orderID: String
    package var effectID: String
    /// The order's exact total.
    package var amount: Money
    /// Shown in Stripe's dashboard, e.g. the order number.
    package var description: String?
    /// Stripe e-mails its receipt here when the payment succeeds.
    package var receiptEmail: String?
    /// The effect id, unless reconciliation proved an earlier key created nothing (then
    /// `StripeAPI.idempotencyKey(effectID:generation:)`).
    package var idempotencyKey: String

    package init(
        orderID: String, effectID: String, amount: Money, description: String? = nil, receiptEmail: String? = nil,
        idempotencyKey: String? = nil
    ) {
        self.orderID = orderID
        self.effectID = effectID
        self.amount = amount
        self.description = description
        self.receiptEmail = receiptEmail
        self.idempotencyKey = idempotencyKey ?? effectID
    }
}

/// A refund of (part of) an order's payment.
package struct StripeRefundCreation: Hashable, Sendable {
    package var orderID: String
    package var effectID: String
    package var paymentIntentID: String
    /// Nil refunds whatever remains of the payment.
    package var amount: Money?
    package var idempotencyKey: String

    package init(
        orderID: String, effectID: String, paymentIntentID: String, amount: Money? = nil,
        idempotencyKey: String? = nil
    ) {
        self.orderID = orderID
        self.effectID = effectID
        self.paymentIntentID = paymentIntentID
        self.amount = amount
        self.idempotencyKey = idempotencyKey ?? effectID
    }
}

extension StripeAPI {
    /// The key for an effect's `generation`-th request: the effect id itself first. Move to the
    /// next generation only when the previous key is known to have created nothing: after
    /// reconciliation found no object for a saved 5xx, or when an operator retries an effect
    /// that failed with a 4xx once its cause is fixed (Stripe saves most 4xx under the key too
    /// and would replay them for 24 hours).
    package static func idempotencyKey(effectID: String, generation: Int) -> String {
        generation == 0 ? effectID : "\(effectID)/\(generation)"
    }

    /// Whether an effect first tried at `firstAttempt` must be reconciled before another attempt,
    /// because Stripe may have pruned its key (times in seconds since 1970).
    package static func keyMayHaveExpired(firstAttempt: Int64, now: Int64) -> Bool {
        now - firstAttempt >= idempotencyKeyLifetime.components.seconds
    }
}
