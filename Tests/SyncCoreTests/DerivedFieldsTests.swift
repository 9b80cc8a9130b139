import OrderDomain
import Testing

@testable import SyncCore

/// Derived fields are recomputed from merged rows by `OrderTotalsRule` (OrderDomain's money
/// rules), the one rule central and the node both apply.
@Suite struct DerivedFieldsTests {
    static let totals = OrderTotalsRule.rule

    @Test func totalsFollowTheMergedItemsOnEveryReplica() throws {
        let create = Build.createOrder()
        let amounts = Build.change("W0", 2, at: 1, ["tax_amount": .integer(2000), "shipping_amount": .integer(1000)])
        let suit = Build.addItem("W0", 3, at: 2, item: "i-1", quantity: 2, price: 10_000)
        let tie = Build.addItem("W0", 4, at: 3, item: "i-2", quantity: 1, price: 5000)
        let delete = Build.change("W1", 1, at: 10, .orderItem, row: "i-2", .delete, [:])
        let quantity = Build.change("W2", 1, at: 11, .orderItem, row: "i-1", .setFields, ["quantity": .integer(3)])
        let a = Build.replica([create, amounts, suit, tie, delete, quantity])
        let b = Build.replica([quantity, tie, create, delete, suit, amounts])
        let derivedA = a.derivedFields(ofOrder: "o-1", rule: Self.totals)
        #expect(derivedA == b.derivedFields(ofOrder: "o-1", rule: Self.totals))
        #expect(
            derivedA[RowKey(.order, "o-1")] == ["subtotal_amount": .integer(30_000), "total_amount": .integer(33_000)])
        #expect(derivedA[RowKey(.orderItem, "i-2")] == nil)
    }

    @Test func projectionShowsStatusAndDerivedFields() throws {
        let replica = Build.replica([
            Build.createOrder(), Build.addItem("W0", 2, at: 1, item: "i-1", quantity: 1, price: 89_900),
            Build.move("W0", 3, at: 2, from: "pending_payment", to: "on_hold"),
        ])
        let order = try #require(replica.projection(of: RowKey(.order, "o-1"), rule: Self.totals))
        #expect(order["status"] == .text("on_hold") && order["resume_status"] == .text("pending_payment"))
        #expect(order["total_amount"] == .integer(89_900) && order["customer_name"] == .text("Ada Lovelace"))
        #expect(
            replica.projection(of: RowKey(.orderItem, "i-1"), rule: Self.totals)?["total_price"] == .integer(89_900))
    }

    @Test func mergeReportNamesTheOrderToRecompute() {
        var replica = Build.replica([Build.createOrder()])
        let report = replica.merge(Build.addItem("W1", 1, at: 5, item: "i-7"), version: 2)
        #expect(report.touchedOrder == "o-1")
    }

    /// Amounts out of OrderDomain's range are 0 on the item and on the order, on every replica.
    @Test func overflowingAmountsAreZero() {
        let limit = Money.maximumMinorUnits
        let replica = Build.replica([
            Build.createOrder(), Build.addItem("W0", 2, at: 1, item: "i-1", quantity: 2, price: limit),
            Build.addItem("W0", 3, at: 2, item: "i-2", quantity: 1, price: 5000),
        ])
        let derived = replica.derivedFields(ofOrder: "o-1", rule: Self.totals)
        #expect(derived[RowKey(.orderItem, "i-1")] == ["total_price": .integer(0)])
        #expect(derived[RowKey(.orderItem, "i-2")] == ["total_price": .integer(5000)])
        #expect(derived[RowKey(.order, "o-1")] == ["subtotal_amount": .integer(0), "total_amount": .integer(0)])

        // Items within range whose sum with tax is not: the order's amounts are 0, the item keeps its own.
        let taxed = Build.replica([
            Build.createOrder(), Build.change("W0", 2, at: 1, ["tax_amount": .integer(limit)]),
            Build.addItem("W0", 3, at: 2, item: "i-1", quantity: 1, price: limit),
        ])
        let taxedDerived = taxed.derivedFields(ofOrder: "o-1", rule: Self.totals)
        #expect(taxedDerived[RowKey(.orderItem, "i-1")] == ["total_price": .integer(limit)])
        #expect(taxedDerived[RowKey(.order, "o-1")] == ["subtotal_amount": .integer(0), "total_amount": .integer(0)])
    }

    @Test func anItemWithoutAQuantityCountsOnce() {
        let replica = Build.replica([
            Build.createOrder(),
            Build.change("W0", 2, at: 1, .orderItem, row: "i-1", .setFields, ["unit_price": .integer(700)]),
        ])
        let derived = replica.derivedFields(ofOrder: "o-1", rule: Self.totals)
        #expect(derived[RowKey(.orderItem, "i-1")] == ["total_price": .integer(700)])
        #expect(derived[RowKey(.order, "o-1")] == ["subtotal_amount": .integer(700), "total_amount": .integer(700)])
    }
}
