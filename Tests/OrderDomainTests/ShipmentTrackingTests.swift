import Testing

@testable import OrderDomain

/// Tracker updates move an order forward one lifecycle step at a time, never back, and only
/// once it is packed; problems open exceptions only once the parcel is with the carrier.
@Suite struct ShipmentTrackingTests {
    @Test func aDeliveredParcelWalksAPackedOrderThroughEveryStep() throws {
        let moves = ShipmentTracking.moves(from: .packaging, tracking: .delivered)
        #expect(moves == [.shipped, .outForDelivery, .delivered])
        var status = OrderStatus.packaging
        for move in moves {
            try OrderLifecycle.validate(from: status, to: move)
            status = move
        }
    }

    @Test func lateOrEarlyUpdatesNeverMoveBackNorSkipProduction() {
        #expect(ShipmentTracking.moves(from: .delivered, tracking: .inTransit).isEmpty)
        #expect(ShipmentTracking.moves(from: .outForDelivery, tracking: .inTransit).isEmpty)
        #expect(ShipmentTracking.moves(from: .shipped, tracking: .outForDelivery) == [.outForDelivery])
        #expect(ShipmentTracking.moves(from: .inProduction, tracking: .delivered).isEmpty)
        #expect(ShipmentTracking.moves(from: .onHold, tracking: .delivered).isEmpty)
        #expect(ShipmentTracking.moves(from: .packaging, tracking: .preTransit).isEmpty)
    }

    @Test func trackingStatusOnlyAdvancesAndProblemsAlwaysCount() {
        #expect(ShipmentTracking.isProgress(from: nil, to: .preTransit))
        #expect(ShipmentTracking.isProgress(from: .inTransit, to: .delivered))
        #expect(!ShipmentTracking.isProgress(from: .delivered, to: .inTransit))
        #expect(!ShipmentTracking.isProgress(from: .delivered, to: .unknown))
        #expect(ShipmentTracking.isProgress(from: .delivered, to: .returnToSender))
        #expect(ShipmentTracking.opensException(current: .shipped, tracking: .failure))
        #expect(!ShipmentTracking.opensException(current: .packaging, tracking: .failure))
        #expect(!ShipmentTracking.opensException(current: .refunded, tracking: .returnToSender))
    }

    @Test func statusesSendTheirEmailsOnce() {
        #expect(CustomerEmail.sentOnEntering(.paymentConfirmed) == .paymentConfirmation)
        #expect(CustomerEmail.sentOnEntering(.shipped) == .shippingNotification)
        #expect(CustomerEmail.sentOnEntering(.inProduction) == nil)
    }
}
