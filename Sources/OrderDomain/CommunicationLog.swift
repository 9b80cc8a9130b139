/// What a message to a customer was about (seed enum `communication_type`).
package enum CommunicationType: String, CaseIterable, Codable, Sendable {
    case orderConfirmation = "order_confirmation"
    case paymentConfirmation = "payment_confirmation"
    case statusUpdate = "status_update"
    case shippingNotification = "shipping_notification"
    case deliveryConfirmation = "delivery_confirmation"
    case exceptionNotice = "exception_notice"
    case satisfactionSurvey = "satisfaction_survey"
    case note
}

/// How a message reached the customer (seed enum `communication_channel`).
package enum CommunicationChannel: String, CaseIterable, Codable, Sendable {
    case email, sms, phone, inPerson = "in_person"
}

/// One entry of `customer_communication_logs`: append-only.
package struct CommunicationDraft: Hashable, Sendable {
    package static let messageLimit = 10_000

    package var type: CommunicationType
    package var channel: CommunicationChannel
    package var message: String

    package init(type: CommunicationType, channel: CommunicationChannel, message: String) {
        self.type = type
        self.channel = channel
        self.message = message
    }

    package func validated() throws(OrderValidationError) -> CommunicationDraft {
        var draft = self
        draft.message = message.trimmingWhitespace()
        guard !draft.message.isEmpty else { throw .missingField("message_content") }
        guard draft.message.count <= Self.messageLimit else {
            throw .tooLong(field: "message_content", limit: Self.messageLimit)
        }
        return draft
    }
}
