import OrderDomain

/// What a staff member asks central to do with a provider: one `order_integration_requests`
/// row, appended by a node like any edit (so it is queued while offline) and answered by
/// central. SYNC-PROTOCOL.md §4.8.
package enum IntegrationRequestKind: String, CaseIterable, Sendable {
    /// A Stripe PaymentIntent for the order's total.
    case payment
    /// An EasyPost shipment for the order's parcel, answered with its rates.
    case shippingRates = "shipping_rates"
    /// Buying one of those rates (`rate_id`): label, tracking code, carrier, cost.
    case shippingLabel = "shipping_label"
    /// A templated e-mail to the customer (`template`), sent through SendGrid.
    case email
}

/// Central's answer to a request (`request_state`); no answer yet means central has not
/// finished it (or the workstation has not reached central).
package enum IntegrationRequestState: String, CaseIterable, Sendable {
    case succeeded
    /// Retrying cannot help; `answer` carries the provider's message.
    case failed
    /// The provider may or may not have acted (an answer lost); needs an operator.
    case unknown
    /// Cancelled by an operator at central.
    case cancelled
    /// The provider is not configured at central.
    case notConfigured = "not_configured"
}
