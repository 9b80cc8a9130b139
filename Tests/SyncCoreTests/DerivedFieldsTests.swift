import Testing

@testable import SyncCore

/// Derived fields are recomputed from merged rows by a rule the runtime provides (it calls
/// OrderDomain's OrderTotals); here a plain sum stands in for it.
@Suite struct DerivedFieldsTests {
    static let totals: DerivedFieldsRule = { order, items in
        var result: [RowKey: [String: FieldValue]] = [:]
        var subtotal: Int64 = 0
        for item in items {
            guard case .integer(let quantity)? = item.fields["quantity"]?.value,
                case .integer(let price)? = item.fields["unit_price"]?.value
            else { continue }
            result[item.key] = ["total_price": .integer(quantity * price)]
            subtotal += quantity * price
        }
        if let order {
            var total = subtotal
            for field in ["tax_amount", "shipping_amount"] {
                if case .integer(let amount)? = order.fields[field]?.value { total += amount }
            }
            result[order.key] = ["subtotal_amount": .integer(subtotal), "total_amount": .integer(total)]
        }
        return result
    }

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
}
