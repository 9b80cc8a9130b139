import Foundation
import OrderDomain
import Store
import TestSupport
import Testing

@testable import Node

/// `kct vacuum` while the node daemon serves the replica and takes edits: every edit is saved,
/// the file is sound, and the report says what it did.
@Suite struct VacuumTests {
    @Test func vacuumWhileServingLosesNoEdit() async throws {
        let node = try await TestNode.start(name: "W1")
        defer { node.removeFiles() }
        try await withStopping(node) { node in
            let api = try await APIClient.start(baseURL: try await node.apiURL, token: try node.store.testSession())
            try await withStopping(api) { api in
                for index in 0..<150 {
                    try node.store.createOrder(
                        OrderDraft(
                            customer: Customer(name: "Before \(index)", email: "b\(index)@example.com", phone: nil),
                            items: [
                                ItemDraft(
                                    productName: "Navy Suit", quantity: 1,
                                    unitPrice: try Money(parsing: "899.00", currency: .usd))
                            ]),
                        by: .test("ana@kct.example"))
                }
                let kct = KCTBinary()
                let directory = node.directory
                let vacuums = Task.detached {
                    var runs: [KCTBinary.Result] = []
                    for _ in 0..<3 { runs.append(try await kct.run("vacuum", "--data-dir", directory)) }
                    return runs
                }
                for index in 0..<40 {
                    let created = try await api.request(
                        .post, "/api/orders",
                        body: """
                            {"customer_name": "During \(index)", "customer_email": "d\(index)@example.com",
                             "items": [{"product_name": "Navy Suit", "unit_price": "899.00"}]}
                            """)
                    #expect(created.status == 201, "\(created.text)")
                }
                for run in try await vacuums.value {
                    #expect(run.status == 0, "\(run.stderr)")
                    #expect(run.stdout.contains("replica.sqlite: ") && run.stdout.contains(" MB → "), "\(run.stdout)")
                }
                let all = try node.store.orders(OrderFilter(limit: 1000))
                #expect(all.count == 190)
                #expect(Set(all.map(\.customerName)).count == 190)
                #expect(try node.store.stats().totalOrders == 190)
                #expect(try node.store.outboxEntries().count >= 190)
                #expect(try node.store.integrityCheck() == ["ok"])
            }
        }
    }
}
