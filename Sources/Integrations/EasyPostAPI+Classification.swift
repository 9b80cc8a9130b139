import Foundation

extension EasyPostAPI {
    /// The error codes that decide exactly-once buying.
    package enum ErrorCode {
        /// The shipment already has postage: it was bought (read it back).
        package static let postageExists = "SHIPMENT.POSTAGE.EXISTS"
        /// A purchase of this shipment is still running: read it back later.
        package static let purchaseInProgress = "SHIPMENT.PURCHASE.IN_PROGRESS"
        /// The carrier did not answer EasyPost: the label may or may not exist.
        package static let postageNoResponse = "SHIPMENT.POSTAGE.NO_RESPONSE"
    }

    /// The answer to `createShipment`. Nothing is bought by creating, so a lost answer or a 5xx
    /// is retried (the orphan shipment, if any, is never bought).
    package static func classifyShipmentCreation(_ reply: ProviderReply) -> ProviderOutcome<EasyPostShipment> {
        switch reply {
        case .notDelivered(let reason), .answerLost(let reason):
            return .transient(retryAfter: nil, reason: "EasyPost did not answer: \(reason)")
        case .answered(let answer):
            if (200..<300).contains(answer.status) { return decodeShipment(answer, unreadable: nil) }
            if answer.status >= 500 { return .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer)) }
            return classifyClientError(answer)
        }
    }

    /// The answer to `buy(shipmentID:rateID:)`. Anything that leaves "bought or not" open is
    /// unknown with `.easyPostShipment(id)`: read the shipment and record its label if it has one.
    package static func classifyPurchase(_ reply: ProviderReply, shipmentID: String)
        -> ProviderOutcome<EasyPostShipment>
    {
        let reconcile = ProviderReconciliation.easyPostShipment(id: shipmentID)
        switch reply {
        case .notDelivered(let reason):
            return .transient(retryAfter: nil, reason: "EasyPost was not reached: \(reason)")
        case .answerLost(let reason):
            return .unknown(reconcile: reconcile, reason: "EasyPost's answer to the purchase was lost: \(reason)")
        case .answered(let answer):
            if (200..<300).contains(answer.status) {
                let outcome = decodeShipment(answer, unreadable: reconcile)
                if case .succeeded(let shipment) = outcome, !shipment.isPurchased {
                    return .unknown(reconcile: reconcile, reason: "EasyPost answered the purchase without a label")
                }
                return outcome
            }
            let code = errorBody(answer)?.code
            switch code {
            case ErrorCode.postageExists:
                return .unknown(
                    reconcile: reconcile, reason: "the shipment was already bought (\(errorSummary(answer)))")
            case ErrorCode.purchaseInProgress, ErrorCode.postageNoResponse:
                return .unknown(reconcile: reconcile, reason: errorSummary(answer))
            default:
                if answer.status >= 500 { return .unknown(reconcile: reconcile, reason: errorSummary(answer)) }
                return classifyClientError(answer)
            }
        }
    }

    /// The answer to `retrieveShipment`: `isPurchased` tells whether postage exists.
    package static func classifyShipmentRetrieval(_ reply: ProviderReply) -> ProviderOutcome<EasyPostShipment> {
        classifyShipmentCreation(reply)
    }

    /// 429 is retried after `Retry-After`; 401 is a bad key; other 4xx are final.
    private static func classifyClientError<Object>(_ answer: ProviderAnswer) -> ProviderOutcome<Object> {
        switch answer.status {
        case 429: .transient(retryAfter: answer.retryAfter, reason: errorSummary(answer))
        case 401: .permanent(message: "EasyPost refused the API key: \(errorSummary(answer))")
        default: .permanent(message: errorSummary(answer))
        }
    }

    private static func decodeShipment(_ answer: ProviderAnswer, unreadable: ProviderReconciliation?)
        -> ProviderOutcome<EasyPostShipment>
    {
        do {
            return .succeeded(try JSONDecoder().decode(EasyPostShipment.self, from: Data(answer.body)))
        } catch {
            let reason = "EasyPost answered \(answer.status) unreadably: \(error)"
            if let unreadable { return .unknown(reconcile: unreadable, reason: reason) }
            return .permanent(message: reason)
        }
    }

    private static func errorBody(_ answer: ProviderAnswer) -> EasyPostErrorBody.Detail? {
        try? JSONDecoder().decode(EasyPostErrorBody.self, from: Data(answer.body)).error
    }

    /// `EasyPost 422 SHIPMENT.POSTAGE.EXISTS: …`.
    static func errorSummary(_ answer: ProviderAnswer) -> String {
        guard let error = errorBody(answer) else {
            return "EasyPost answered \(answer.status): \(answer.bodyText.prefix(200))"
        }
        return "EasyPost \(answer.status) \(error.code): \(error.message ?? "no message")"
    }
}
