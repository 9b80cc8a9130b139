import Foundation

/// The fourteen statuses of an order, with exactly the raw names of KCT's original schema.
package enum OrderStatus: String, CaseIterable, Codable, Sendable, Hashable {
    case pendingPayment = "pending_payment"
    case paymentConfirmed = "payment_confirmed"
    case processing
    case inProduction = "in_production"
    case qualityCheck = "quality_check"
    case packaging
    case shipped
    case outForDelivery = "out_for_delivery"
    case delivered
    case completed
    case cancelled
    case refunded
    case onHold = "on_hold"
    case exception

    /// The main line an order walks, in order. Holds, exceptions, cancellations and refunds step
    /// off this line.
    package static let forwardFlow: [OrderStatus] = [
        .pendingPayment, .paymentConfirmed, .processing, .inProduction, .qualityCheck,
        .packaging, .shipped, .outForDelivery, .delivered, .completed,
    ]

    /// Statuses an order never leaves.
    package var isTerminal: Bool {
        switch self {
        case .completed, .cancelled, .refunded: true
        default: false
        }
    }

    /// Statuses that suspend the forward flow and return to where the order was.
    package var isSuspension: Bool { self == .onHold || self == .exception }

    /// Position on the forward flow, or nil for statuses off it.
    package var flowIndex: Int? { Self.forwardFlow.firstIndex(of: self) }

    /// Parses a raw status name, also accepting dashes and upper case (`In-Production`).
    package init?(parsing text: String) {
        let normalised = text.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "-", with: "_")
        self.init(rawValue: normalised)
    }
}

extension OrderStatus: CustomStringConvertible {
    package var description: String { rawValue }
}
