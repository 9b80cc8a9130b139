/// A PaymentIntent as Stripe returns it (the fields kct reads).
package struct StripePaymentIntent: Hashable, Sendable, Decodable {
    package var id: String
    /// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`, `canceled` or `succeeded`.
    package var status: String
    /// In Stripe's minor units (see `StripeAPI.amount(for:)`).
    package var amount: Int64
    /// Lower case (`usd`).
    package var currency: String
    package var metadata: [String: String]
    /// Given to the customer's browser or terminal to confirm the payment; never logged.
    package var clientSecret: String?
    package var latestCharge: String?
    /// The card network's or Stripe's message for the last failed attempt.
    package var lastPaymentErrorMessage: String?

    package var isSucceeded: Bool { status == "succeeded" }

    private enum CodingKeys: String, CodingKey {
        case id, status, amount, currency, metadata
        case clientSecret = "client_secret"
        case latestCharge = "latest_charge"
        case lastPaymentError = "last_payment_error"
    }

    private struct PaymentError: Decodable { var message: String? }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(String.self, forKey: .status)
        amount = try container.decode(Int64.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
        // `latest_charge` is an id unless expanded; kct never expands it.
        latestCharge = try? container.decodeIfPresent(String.self, forKey: .latestCharge)
        lastPaymentErrorMessage = try container.decodeIfPresent(PaymentError.self, forKey: .lastPaymentError)?.message
    }
}

/// A Refund as Stripe returns it.
package struct StripeRefund: Hashable, Sendable, Decodable {
    package var id: String
    package var amount: Int64
    package var currency: String
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    package var status: String?
    package var paymentIntent: String?
    package var metadata: [String: String]

    private enum CodingKeys: String, CodingKey {
        case id, amount, currency, status, metadata
        case paymentIntent = "payment_intent"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int64.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        paymentIntent = try? container.decodeIfPresent(String.self, forKey: .paymentIntent)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}

/// A Charge, as `charge.refunded` carries it.
package struct StripeCharge: Hashable, Sendable, Decodable {
    package var id: String
    package var amount: Int64
    package var amountRefunded: Int64
    package var currency: String
    /// True once the whole amount is refunded.
    package var refunded: Bool
    package var paymentIntent: String?
    package var metadata: [String: String]

    private enum CodingKeys: String, CodingKey {
        case id, amount, currency, refunded, metadata
        case amountRefunded = "amount_refunded"
        case paymentIntent = "payment_intent"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int64.self, forKey: .amount)
        amountRefunded = try container.decode(Int64.self, forKey: .amountRefunded)
        currency = try container.decode(String.self, forKey: .currency)
        refunded = try container.decode(Bool.self, forKey: .refunded)
        paymentIntent = try? container.decodeIfPresent(String.self, forKey: .paymentIntent)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}

/// One page of a Stripe list (`GET /v1/payment_intents`, `GET /v1/refunds`).
package struct StripeList<Element: Decodable & Sendable & Hashable>: Hashable, Sendable, Decodable {
    package var data: [Element]
    /// More pages follow; ask again with `starting_after` = the last element's id.
    package var hasMore: Bool

    private enum CodingKeys: String, CodingKey {
        case data
        case hasMore = "has_more"
    }
}

extension StripeList where Element == StripePaymentIntent {
    /// The intent this effect created, found by `metadata[effect_id]`.
    package func intent(forEffect effectID: String) -> StripePaymentIntent? {
        data.first { $0.metadata[StripeAPI.effectIDMetadataKey] == effectID }
    }
}

extension StripeList where Element == StripeRefund {
    /// The refund this effect created, found by `metadata[effect_id]`.
    package func refund(forEffect effectID: String) -> StripeRefund? {
        data.first { $0.metadata[StripeAPI.effectIDMetadataKey] == effectID }
    }
}

/// Stripe's error body: `{"error": {"type", "code", "message", …}}`.
package struct StripeErrorBody: Hashable, Sendable, Decodable {
    package struct Detail: Hashable, Sendable, Decodable {
        /// `api_error`, `card_error`, `idempotency_error`, `invalid_request_error`, …
        package var type: String
        package var code: String?
        package var message: String?
        package var param: String?
    }

    package var error: Detail
}
