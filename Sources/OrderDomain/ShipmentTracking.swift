/// A carrier's word on a parcel, as EasyPost's trackers report it.
package enum TrackingStatus: String, CaseIterable, Sendable {
    case unknown
    case preTransit = "pre_transit"
    case inTransit = "in_transit"
    case outForDelivery = "out_for_delivery"
    case delivered
    case availableForPickup = "available_for_pickup"
    case returnToSender = "return_to_sender"
    case failure
    case cancelled
    case error

    /// The parcel will not reach the customer without someone acting.
    package var isDeliveryProblem: Bool { self == .returnToSender || self == .failure || self == .error }
}

/// What a tracker update does to an order's status. Updates arrive late and out of order, so
/// an order only ever moves forward along shipped → out_for_delivery → delivered, one
/// lifecycle step at a time, and never back.
package enum ShipmentTracking {
    /// The status the tracker says the parcel has reached, on the order's forward flow.
    static func reached(_ tracking: TrackingStatus) -> OrderStatus? {
        switch tracking {
        case .inTransit, .availableForPickup: .shipped
        case .outForDelivery: .outForDelivery
        case .delivered: .delivered
        default: nil
        }
    }

    /// The moves, in order, that bring an order in `current` up to what `tracking` says; empty
    /// when it is already there or beyond, suspended, finished, or not yet packed (a label
    /// bought early does not skip production).
    package static func moves(from current: OrderStatus, tracking: TrackingStatus) -> [OrderStatus] {
        guard let target = reached(tracking), let targetIndex = target.flowIndex,
            let currentIndex = current.flowIndex, currentIndex < targetIndex,
            currentIndex >= OrderStatus.packaging.flowIndex!
        else { return [] }
        return Array(OrderStatus.forwardFlow[(currentIndex + 1)...targetIndex])
    }

    /// Whether `next` says more than `current` about the parcel: the forward statuses only ever
    /// advance; a problem is always news; unknown and cancelled never replace anything.
    package static func isProgress(from current: TrackingStatus?, to next: TrackingStatus) -> Bool {
        guard let current else { return next != .unknown }
        if next == current { return false }
        if next.isDeliveryProblem { return true }
        guard let nextRank = rank(next) else { return false }
        return nextRank > (rank(current) ?? -1)
    }

    private static func rank(_ status: TrackingStatus) -> Int? {
        switch status {
        case .preTransit: 0
        case .inTransit, .availableForPickup: 1
        case .outForDelivery: 2
        case .delivered: 3
        default: nil
        }
    }

    /// Whether a delivery problem reported for an order in `current` opens an exception on it:
    /// only once it has been handed to the carrier and is not finished.
    package static func opensException(current: OrderStatus, tracking: TrackingStatus) -> Bool {
        guard tracking.isDeliveryProblem, !current.isTerminal else { return false }
        return current == .shipped || current == .outForDelivery || current == .delivered
    }
}
