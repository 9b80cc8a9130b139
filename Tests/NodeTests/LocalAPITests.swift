import Foundation
import HTTP
import OrderDomain
import Store
import TestSupport
import Testing

@testable import Node

/// The local JSON API of a node without a central: every endpoint and its errors.
@Suite(.serialized) struct LocalAPITests {
    let createBody = """
        {"customer_name": "Jane Doe", "customer_email": "jane@example.com", "priority": "rush",
         "items": [{"product_name": "Navy Suit", "size": "40R", "quantity": 1, "unit_price": "899.00"}]}
        """

    func withNode(_ body: (TestNode, APIClient) async throws -> Void) async throws {
        let node = try await TestNode.start(name: "W1")
        defer { node.removeFiles() }
        try await withStopping(node) { node in
            let api = try await APIClient.start(baseURL: try await node.apiURL, token: try node.store.testSession())
            try await withStopping(api) { api in try await body(node, api) }
        }
    }

    @Test func createShowListAndFilterOrders() async throws {
        try await withNode { node, api in
            let created = try await api.request(.post, "/api/orders", body: createBody)
            #expect(created.status == 201)
            let order = try #require(created.json as? [String: Any])
            let number = try #require(order["order_number"] as? String)
            #expect(order["status"] as? String == "pending_payment")
            #expect(order["total_amount"] as? String == "899.00")
            #expect((order["items"] as? [Any])?.count == 1)

            let shown = try await api.request(.get, "/api/orders/\(number)")
            #expect(shown.status == 200)
            #expect((shown.json as? [String: Any])?["id"] as? String == order["id"] as? String)

            let rush = try await api.request(.get, "/api/orders?priority=rush&status=pending_payment&limit=10")
            #expect(rush.status == 200)
            #expect((rush.json as? [Any])?.count == 1)
            let normal = try await api.request(.get, "/api/orders?priority=normal")
            #expect((normal.json as? [Any])?.count == 0)
            let searched = try await api.request(.get, "/api/orders?search=jane")
            #expect((searched.json as? [Any])?.count == 1)

            // The edit went through the store's write path: it is in the outbox, by the session's person.
            let outbox = try node.store.outboxEntries()
            #expect(!outbox.isEmpty)
            #expect(outbox.allSatisfy { $0.author == "admin@kct.example" })
        }
    }

    /// `X-Next-Cursor` leads from page to page through every order; a cursor that is not one of
    /// this list's is a 400 that says so.
    @Test func listPagesThroughEveryOrderByCursor() async throws {
        try await withNode { node, api in
            for index in 0..<7 {
                let created = try await api.request(
                    .post, "/api/orders",
                    body: """
                        {"customer_name": "Page Smith \(index)", "customer_email": "p\(index)@example.com",
                         "items": [{"product_name": "Navy Suit", "unit_price": "899.00"}]}
                        """)
                #expect(created.status == 201)
            }
            for query in ["limit=3", "limit=2&status=pending_payment", "limit=3&search=smith"] {
                var numbers: [String] = []
                var cursor: String?
                repeat {
                    let path = "/api/orders?\(query)" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let response = try await api.exchange(.get, path)
                    #expect(response.status.code == 200, "\(response.text)")
                    let page = try #require(
                        try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
                    numbers += page.compactMap { $0["order_number"] as? String }
                    cursor = response.headers["X-Next-Cursor"]
                } while cursor != nil
                #expect(numbers.count == 7 && Set(numbers).count == 7, "\(query): \(numbers)")
                if !query.contains("search") { #expect(numbers == numbers.sorted(by: >), "\(query)") }
            }
            let listCursor = try #require(try await api.exchange(.get, "/api/orders?limit=2").headers["X-Next-Cursor"])
            for path in ["/api/orders?cursor=nonsense", "/api/orders?search=smith&cursor=\(listCursor)"] {
                let refused = try await api.request(.get, path)
                #expect(refused.status == 400, "\(path)")
                let error = (refused.json as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == "bad_cursor")
                #expect((error?["message"] as? String)?.contains("is not a cursor of this list") == true)
            }
        }
    }

    @Test func updateAndMoveStatus() async throws {
        try await withNode { _, api in
            let created = try await api.request(.post, "/api/orders", body: createBody)
            let number = try #require((created.json as? [String: Any])?["order_number"] as? String)

            let updated = try await api.request(
                .patch, "/api/orders/\(number)",
                body: #"{"notes": "gift wrap", "tax_amount": "10.00", "priority": "high"}"#)
            #expect(updated.status == 200)
            let order = try #require(updated.json as? [String: Any])
            #expect(order["notes"] as? String == "gift wrap")
            #expect(order["total_amount"] as? String == "909.00")
            #expect(order["priority"] as? String == "high")

            let moved = try await api.request(
                .post, "/api/orders/\(number)/status", body: #"{"status": "payment_confirmed", "note": "paid cash"}"#)
            #expect(moved.status == 200)
            #expect((moved.json as? [String: Any])?["status"] as? String == "payment_confirmed")
        }
    }

    @Test func errorsAreJSONWithStableCodes() async throws {
        try await withNode { _, api in
            let missing = try await api.request(.get, "/api/orders/NOPE-0001")
            #expect(missing.status == 404)
            #expect(((missing.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "not_found")

            let badJSON = try await api.request(.post, "/api/orders", body: "{not json")
            #expect(badJSON.status == 400)
            #expect(((badJSON.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "bad_request")

            let unknownField = try await api.request(
                .post, "/api/orders", body: #"{"customer_name": "A", "items": [], "colour": "red"}"#)
            #expect(unknownField.status == 400)
            #expect(unknownField.text.contains("colour"))

            // A number where a string belongs is a 400 naming the field, not a silently empty value.
            let wrongType = try await api.request(
                .post, "/api/orders",
                body: """
                    {"customer_name": "Jane", "customer_email": "jane@example.com", "customer_phone": 5550100,
                     "items": [{"product_name": "Suit", "unit_price": "10.00"}]}
                    """)
            #expect(wrongType.status == 400)
            #expect(wrongType.text.contains("customer_phone must be a string"), "\(wrongType.text)")
            let wrongItemType = try await api.request(
                .post, "/api/orders",
                body: """
                    {"customer_name": "Jane", "customer_email": "jane@example.com",
                     "items": [{"product_name": "Suit", "unit_price": "10.00", "color": ["navy"]}]}
                    """)
            #expect(wrongItemType.status == 400)
            #expect(wrongItemType.text.contains("order.items[0]: color must be a string"), "\(wrongItemType.text)")

            let invalid = try await api.request(
                .post, "/api/orders",
                body: """
                    {"customer_name": "Jane", "customer_email": "not-an-email",
                     "items": [{"product_name": "Suit", "unit_price": "10.00"}]}
                    """)
            #expect(invalid.status == 422)
            #expect(((invalid.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "invalid")

            let badFilter = try await api.request(.get, "/api/orders?status=lost")
            #expect(badFilter.status == 400)
            #expect(badFilter.text.contains("pending_payment"))

            let created = try await api.request(.post, "/api/orders", body: createBody)
            let number = try #require((created.json as? [String: Any])?["order_number"] as? String)
            let refused = try await api.request(.post, "/api/orders/\(number)/status", body: #"{"status": "shipped"}"#)
            #expect(refused.status == 409)
            let error = try #require((refused.json as? [String: Any])?["error"] as? [String: Any])
            #expect(error["code"] as? String == "illegal_transition")
            let allowed = try #require(error["allowed"] as? [String])
            #expect(allowed.contains("payment_confirmed"))
            #expect(!allowed.contains("shipped"))

            let unknownStatus = try await api.request(
                .post, "/api/orders/\(number)/status", body: #"{"status": "teleported"}"#)
            #expect(unknownStatus.status == 400)

            let emptyPatch = try await api.request(.patch, "/api/orders/\(number)", body: "{}")
            #expect(emptyPatch.status == 400)
        }
    }

    @Test func statsSyncAndConflicts() async throws {
        try await withNode { _, api in
            _ = try await api.request(.post, "/api/orders", body: createBody)
            let stats = try await api.request(.get, "/api/stats")
            #expect(stats.status == 200)
            #expect((stats.json as? [String: Any])?["total_orders"] as? Int == 1)

            let sync = try await api.request(.get, "/api/sync")
            #expect(sync.status == 200)
            let status = try #require(sync.json as? [String: Any])
            #expect(status["pending"] as? Int ?? 0 > 0)
            #expect(status["online"] as? Bool == false)
            #expect(status["central_url"] is NSNull)

            let conflicts = try await api.request(.get, "/api/conflicts")
            #expect(conflicts.status == 200)
            #expect((conflicts.json as? [Any])?.isEmpty == true)
        }
    }

    @Test func eventsStreamAnnouncesLocalAndCLIEdits() async throws {
        try await withNode { node, api in
            let events = try await api.subscribe()
            try await events.waitUntil("the stream is open") { $0.isOpen }
            let created = try await api.request(.post, "/api/orders", body: createBody)
            let id = try #require((created.json as? [String: Any])?["id"] as? String)
            try await events.waitUntil("the API edit is announced") { $0.events.contains { $0.data.contains(id) } }
            #expect(events.events.first { $0.data.contains(id) }?.data.contains("\"source\":\"local\"") == true)

            // Another process (here: another connection to the same replica) edits: the daemon
            // notices through the file watcher, without polling.
            let cli = try OrderStore.open(directory: node.directory)
            let other = try cli.createOrder(sampleDraft(customer: "John Smith"), by: .test("cli"))
            try await events.waitUntil("the CLI edit is announced") {
                $0.events.contains { $0.data.contains(other.id) }
            }
            #expect(events.events.first { $0.data.contains(other.id) }?.data.contains("\"source\":\"cli\"") == true)
        }
    }
}
