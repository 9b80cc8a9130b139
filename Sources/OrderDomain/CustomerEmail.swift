/// The e-mails the business sends its customers, by template name (each is also the
/// communication-log type of the entry it leaves), and which moment sends each by itself.
package enum CustomerEmail: String, CaseIterable, Sendable {
    case orderConfirmation = "order_confirmation"
    case paymentConfirmation = "payment_confirmation"
    case shippingNotification = "shipping_notification"
    case deliveryConfirmation = "delivery_confirmation"
    case exceptionNotice = "exception_notice"
    case satisfactionSurvey = "satisfaction_survey"

    /// The e-mail an order's entering `status` sends, at most once per order (staff may resend
    /// by hand). Taking the order sends `orderConfirmation`.
    package static func sentOnEntering(_ status: OrderStatus) -> CustomerEmail? {
        switch status {
        case .paymentConfirmed: .paymentConfirmation
        case .shipped: .shippingNotification
        case .delivered: .deliveryConfirmation
        case .exception: .exceptionNotice
        case .completed: .satisfactionSurvey
        default: nil
        }
    }
}
