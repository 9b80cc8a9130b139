import Foundation
import HTTP
import OrderDomain
import Store
import SyncCore
import Testing

@testable import Node

/// The routes the staff's screens use beyond orders and sessions: queue, allowed moves, items,
/// exceptions, communications, conflicts, staff, permissions. Every edit goes through the
/// store's write path (outbox, role check); bad input changes nothing.
@Suite(.serialized) struct WorkAPITests {
    let createBody = """
        {"customer_name": "Jane Doe", "customer_email": "jane@example.com", "priority": "rush",
         "needed_by": "2020-01-01",
         "items": [{"product_name": "Navy Suit", "size": "40R", "quantity": 1, "unit_price": "899.00"}]}
        """

    /// A node with an admin's API client; `body` gets the node, the admin's client and a way to
    /// sign in others (`signIn(email, role)` → a client with that person's session).
    func withNode(
        _ body: (TestNode, APIClient, (String, StaffRole) async throws -> APIClient) async throws -> Void
    ) async throws {
        let node = try await TestNode.start(name: "W1")
        let url = try await node.apiURL
        var clients = [try await APIClient.start(baseURL: url, token: try node.store.testSession())]
        var failure: (any Error)?
        do {
            try await body(node, clients[0]) { email, role in
                let client = try await APIClient.start(
                    baseURL: url, token: try node.store.testSession(email, role: role))
                clients.append(client)
                return client
            }
        } catch {
            failure = error
        }
        for client in clients { try? await client.stop() }
        try? await node.stop()
        node.removeFiles()
        if let failure { throw failure }
    }

    func error(_ json: Any?) -> [String: Any] { ((json as? [String: Any])?["error"] as? [String: Any]) ?? [:] }

    func create(_ api: APIClient) async throws -> [String: Any] {
        let created = try await api.request(.post, "/api/orders", body: createBody)
        #expect(created.status == 201)
        return try #require(created.json as? [String: Any])
    }

    @Test func queueRowsSayWhyAndFilter() async throws {
        try await withNode { _, api, _ in
            let order = try await create(api)
            let queue = try await api.request(.get, "/api/queue?priority=rush&status=pending_payment&limit=5")
            #expect(queue.status == 200)
            let rows = try #require(queue.json as? [[String: Any]])
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row["order_number"] as? String == order["order_number"] as? String)
            let parts = try #require(row["score_parts"] as? [String: Int])
            #expect(parts["priority"] == PriorityScore.base(.rush))
            #expect(parts["needed_by"] == PriorityScore.overdueBonus)
            #expect(parts["age"] == 0)
            #expect(row["priority_score"] as? Int == parts.values.reduce(0, +))
            #expect(row.keys.contains("claim"))
            #expect(row["claim"] is NSNull)

            #expect((try await api.request(.get, "/api/queue?priority=low").json as? [Any])?.count == 0)
            #expect(try await api.request(.get, "/api/queue?status=lost").status == 400)
            #expect(try await api.request(.get, "/api/queue?limit=0").status == 400)
            #expect(try await api.request(.get, "/api/queue?colour=red").status == 400)
        }
    }

    @Test func claimsShowOnTheQueueAndFollowTheRoles() async throws {
        try await withNode { node, admin, signIn in
            let number = try #require(try await create(admin)["order_number"] as? String)
            let viewer = try await signIn("vera@kct.example", .viewer)
            let queued = try node.store.lastOutboxSequence()
            let refused = try await viewer.request(.post, "/api/orders/\(number)/claim")
            #expect(refused.status == 403)
            #expect(try node.store.lastOutboxSequence() == queued)

            let ana = try await signIn("ana@kct.example", .processor)
            let tom = try await signIn("tom@kct.example", .processor)
            let claimed = try await ana.request(.post, "/api/orders/\(number)/claim")
            #expect(claimed.status == 201)
            let claim = try #require(claimed.json as? [String: Any])
            #expect(claim["by"] as? String == "ana@kct.example")
            #expect(claim["stage"] as? String == "pending_payment")
            #expect(claim["at"] is String)
            let row = try #require((try await admin.request(.get, "/api/queue").json as? [[String: Any]])?.first)
            #expect((row["claim"] as? [String: Any])?["by"] as? String == "ana@kct.example")
            #expect((row["claim"] as? [String: Any])?["name"] as? String == "ana@kct.example")
            let page = try #require(try await tom.request(.get, "/api/orders/\(number)").json as? [String: Any])
            #expect((page["claim"] as? [String: Any])?["by"] as? String == "ana@kct.example")

            let taken = try await tom.request(.post, "/api/orders/\(number)/claim")
            #expect(taken.status == 409)
            #expect(error(taken.json)["code"] as? String == "claimed")
            #expect(try await tom.request(.delete, "/api/orders/\(number)/claim").status == 403)
            #expect(try node.store.claimHolder(number)?.email == "ana@kct.example")

            let released = try await admin.request(.delete, "/api/orders/\(number)/claim")
            #expect(released.status == 200)
            #expect((released.json as? [String: Any])?["by"] as? String == "ana@kct.example")
            let again = try await admin.request(.delete, "/api/orders/\(number)/claim")
            #expect(again.status == 409)
            #expect(error(again.json)["code"] as? String == "not_claimed")
            #expect(try await tom.request(.post, "/api/orders/NOPE-1/claim").status == 404)
        }
    }

    @Test func allowedStatusesFollowLifecycleAndRole() async throws {
        try await withNode { _, admin, signIn in
            let order = try await create(admin)
            let number = try #require(order["order_number"] as? String)
            #expect(
                order["allowed_statuses"] as? [String] == ["payment_confirmed", "on_hold", "exception", "cancelled"])

            let processor = try await signIn("pat@kct.example", .processor)
            let seen = try await processor.request(.get, "/api/orders/\(number)")
            // A processor may not confirm payment or cancel.
            #expect((seen.json as? [String: Any])?["allowed_statuses"] as? [String] == ["on_hold", "exception"])

            let moved = try await admin.request(
                .post, "/api/orders/\(number)/status", body: #"{"status": "payment_confirmed"}"#)
            #expect(
                (moved.json as? [String: Any])?["allowed_statuses"] as? [String]
                    == ["processing", "on_hold", "exception", "cancelled", "refunded"])
            let viewer = try await signIn("vera@kct.example", .viewer)
            let viewed = try await viewer.request(.get, "/api/orders/\(number)")
            #expect((viewed.json as? [String: Any])?["allowed_statuses"] as? [String] == [])
        }
    }

    @Test func itemsWithMeasurementsAreAddedChangedAndRemoved() async throws {
        try await withNode { node, api, signIn in
            let number = try #require(try await create(api)["order_number"] as? String)
            let added = try await api.request(
                .post, "/api/orders/\(number)/items",
                body: #"{"product_name": "Waistcoat", "unit_price": "120.00", "quantity": 2,"#
                    + #" "custom_measurements": {"chest": 40, "waist": 34}}"#)
            #expect(added.status == 201)
            let order = try #require(added.json as? [String: Any])
            #expect(order["total_amount"] as? String == "1139.00")
            let items = try #require(order["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect((items[1]["custom_measurements"] as? [String: Any])?["chest"] as? Int == 40)
            #expect(order["allowed_statuses"] is [String])

            let changed = try await api.request(
                .patch, "/api/orders/\(number)/items/2", body: #"{"quantity": 1, "custom_measurements": null}"#)
            #expect(changed.status == 200)
            let changedItems = try #require((changed.json as? [String: Any])?["items"] as? [[String: Any]])
            #expect(changedItems[1]["quantity"] as? Int == 1)
            #expect(changedItems[1]["custom_measurements"] is NSNull)
            #expect((changed.json as? [String: Any])?["total_amount"] as? String == "1019.00")

            // Bad input: a 4xx naming the field, and nothing written or queued.
            let queued = try node.store.lastOutboxSequence()
            let badPrice = try await api.request(
                .post, "/api/orders/\(number)/items", body: #"{"product_name": "Tie", "unit_price": "1.234"}"#)
            #expect(badPrice.status == 400)
            #expect(error(badPrice.json)["field"] as? String == "unit_price")
            let noName = try await api.request(
                .post, "/api/orders/\(number)/items", body: #"{"product_name": "", "unit_price": "10.00"}"#)
            #expect(noName.status == 422)
            #expect(error(noName.json)["field"] as? String == "product_name")
            let badQuantity = try await api.request(
                .patch, "/api/orders/\(number)/items/2", body: #"{"quantity": 0}"#)
            #expect(badQuantity.status == 422)
            #expect(error(badQuantity.json)["field"] as? String == "quantity")
            let unknown = try await api.request(.patch, "/api/orders/\(number)/items/2", body: #"{"colour": "red"}"#)
            #expect(unknown.status == 400)
            #expect(try await api.request(.delete, "/api/orders/\(number)/items/9").status == 404)
            #expect(try node.store.lastOutboxSequence() == queued)

            let viewer = try await signIn("vera@kct.example", .viewer)
            let refused = try await viewer.request(.delete, "/api/orders/\(number)/items/2")
            #expect(refused.status == 403)
            #expect(error(refused.json)["code"] as? String == "forbidden")
            #expect(try node.store.lastOutboxSequence() == queued)

            let removed = try await api.request(.delete, "/api/orders/\(number)/items/2")
            #expect(removed.status == 200)
            #expect(((removed.json as? [String: Any])?["items"] as? [Any])?.count == 1)
            let last = try await api.request(.delete, "/api/orders/\(number)/items/1")
            #expect(last.status == 422)
            #expect(try node.store.detail(number).items.count == 1)
        }
    }

    @Test func exceptionsAreOpenedAndResolvedByTheRightRoles() async throws {
        try await withNode { node, admin, signIn in
            let number = try #require(try await create(admin)["order_number"] as? String)
            let processor = try await signIn("pat@kct.example", .processor)
            let opened = try await processor.request(
                .post, "/api/orders/\(number)/exceptions",
                body: #"{"exception_type": "wrong measurement", "exception_severity": "high", "description": "sleeve"}"#
            )
            #expect(opened.status == 201)
            let exception = try #require(opened.json as? [String: Any])
            #expect(exception["exception_type"] as? String == "wrong_measurement")
            #expect(exception["resolution_status"] as? String == "open")
            let id = try #require(exception["id"] as? String)

            let queued = try node.store.lastOutboxSequence()
            let badSeverity = try await processor.request(
                .post, "/api/orders/\(number)/exceptions",
                body: #"{"exception_type": "x", "exception_severity": "dire"}"#)
            #expect(badSeverity.status == 400)
            #expect(error(badSeverity.json)["field"] as? String == "exception_severity")
            let noType = try await processor.request(.post, "/api/orders/\(number)/exceptions", body: "{}")
            #expect(noType.status == 422)
            #expect(error(noType.json)["field"] as? String == "exception_type")
            // Resolving needs a manager.
            let forbidden = try await processor.request(.post, "/api/exceptions/\(id)/resolve", body: "{}")
            #expect(forbidden.status == 403)
            #expect(try node.store.lastOutboxSequence() == queued)

            let resolved = try await admin.request(
                .post, "/api/exceptions/\(id.prefix(8))/resolve",
                body: #"{"resolution_notes": "recut", "customer_notified": true}"#)
            #expect(resolved.status == 200)
            #expect((resolved.json as? [String: Any])?["resolution_status"] as? String == "resolved")
            #expect((resolved.json as? [String: Any])?["customer_notified"] as? Bool == true)
            let again = try await admin.request(.post, "/api/exceptions/\(id)/resolve", body: "{}")
            #expect(again.status == 422)
            #expect(error(again.json)["field"] as? String == "resolution_status")
            #expect(try await admin.request(.post, "/api/exceptions/ffffffff/resolve", body: "{}").status == 404)
        }
    }

    @Test func communicationsAreLogged() async throws {
        try await withNode { node, admin, signIn in
            let number = try #require(try await create(admin)["order_number"] as? String)
            let logged = try await admin.request(
                .post, "/api/orders/\(number)/communications",
                body: #"{"communication_type": "status_update", "communication_channel": "phone","#
                    + #" "message_content": "Called about the fitting"}"#)
            #expect(logged.status == 201)
            let logs = try #require((logged.json as? [String: Any])?["customer_communication_logs"] as? [[String: Any]])
            #expect(logs.first?["message_content"] as? String == "Called about the fitting")
            #expect(logs.first?["communication_channel"] as? String == "phone")

            let queued = try node.store.lastOutboxSequence()
            let empty = try await admin.request(
                .post, "/api/orders/\(number)/communications", body: #"{"message_content": ""}"#)
            #expect(empty.status == 422)
            #expect(error(empty.json)["field"] as? String == "message_content")
            let badChannel = try await admin.request(
                .post, "/api/orders/\(number)/communications",
                body: #"{"message_content": "hi", "communication_channel": "pigeon"}"#)
            #expect(error(badChannel.json)["field"] as? String == "communication_channel")
            let viewer = try await signIn("vera@kct.example", .viewer)
            let refused = try await viewer.request(
                .post, "/api/orders/\(number)/communications", body: #"{"message_content": "hi"}"#)
            #expect(refused.status == 403)
            #expect(try node.store.lastOutboxSequence() == queued)
        }
    }

    @Test func conflictsAreReappliedAndDismissed() async throws {
        try await withNode { node, admin, signIn in
            let order = try await create(admin)
            let number = try #require(order["order_number"] as? String)
            let created = try node.store.lastOutboxSequence()
            for notes in ["call first", "gift wrap"] {
                let patched = try await admin.request(.patch, "/api/orders/\(number)", body: #"{"notes": "\#(notes)"}"#)
                #expect(patched.status == 200)
            }
            // Central's answer, as a test: the order's creation applied, both note edits refused.
            let last = try node.store.lastOutboxSequence()
            let outcomes =
                (1...created).map { ChangeOutcome(sequence: $0, result: .applied, version: $0) }
                + ((created + 1)...last).map {
                    ChangeOutcome(
                        sequence: $0, result: .rejected, reason: Rejection(.invalidValue, "refused for the test"))
                }
            let report = try node.store.applyPushResponse(
                PushResponse(
                    nodeID: node.store.identity.nodeID, acknowledgedThrough: last, headVersion: created,
                    outcomes: outcomes))
            #expect(report.conflictsRecorded == 2)
            let listed = try #require(try await admin.request(.get, "/api/conflicts").json as? [[String: Any]])
            let ids = listed.compactMap { $0["id"] as? Int }.sorted()
            #expect(ids.count == 2)

            let viewer = try await signIn("vera@kct.example", .viewer)
            #expect(try await viewer.request(.post, "/api/conflicts/\(ids[0])/reapply").status == 403)
            #expect(try await admin.request(.post, "/api/conflicts/x/reapply").status == 400)
            #expect(try await admin.request(.post, "/api/conflicts/999/dismiss").status == 404)
            #expect(try node.store.lastOutboxSequence() == last)

            let reapplied = try await admin.request(.post, "/api/conflicts/\(ids[0])/reapply")
            #expect(reapplied.status == 200)
            #expect((reapplied.json as? [String: Any])?["state"] as? String == "reapplied")
            #expect(try node.store.lastOutboxSequence() == last + 1)
            #expect(try node.store.order(number).notes == "call first")
            let dismissed = try await admin.request(.post, "/api/conflicts/\(ids[1])/dismiss")
            #expect((dismissed.json as? [String: Any])?["state"] as? String == "dismissed")
            #expect((try await admin.request(.get, "/api/conflicts").json as? [Any])?.count == 0)
            #expect(try await admin.request(.post, "/api/conflicts/\(ids[1])/dismiss").status == 409)
        }
    }

    @Test func staffAreManagedByAnAdminOnAStandaloneNode() async throws {
        try await withNode { node, admin, signIn in
            let added = try await admin.request(
                .post, "/api/users",
                body:
                    #"{"email": "Ana@kct.example", "name": "Ana", "role": "processor", "password": "\#(testPassword)"}"#
            )
            #expect(added.status == 201)
            #expect((added.json as? [String: Any])?["email"] as? String == "ana@kct.example")
            #expect((added.json as? [String: Any])?["password_hash"] == nil)
            let short = try await admin.request(
                .post, "/api/users",
                body: #"{"email": "bo@kct.example", "name": "Bo", "role": "viewer", "password": "x"}"#)
            #expect(short.status == 409)
            let badRole = try await admin.request(
                .post, "/api/users",
                body: #"{"email": "bo@kct.example", "name": "Bo", "role": "boss", "password": "x"}"#)
            #expect(error(badRole.json)["field"] as? String == "role")
            #expect(try node.store.account("bo@kct.example") == nil)

            let promoted = try await admin.request(
                .post, "/api/users/ana%40kct.example/role", body: #"{"role": "manager"}"#)
            #expect((promoted.json as? [String: Any])?["role"] as? String == "manager")
            let disabled = try await admin.request(.post, "/api/users/ana@kct.example/disable")
            #expect((disabled.json as? [String: Any])?["disabled"] as? Bool == true)
            let enabled = try await admin.request(.post, "/api/users/ana@kct.example/enable")
            #expect((enabled.json as? [String: Any])?["disabled"] as? Bool == false)

            let processor = try await signIn("pat@kct.example", .processor)
            let listed = try await processor.request(.get, "/api/users")
            #expect(
                (listed.json as? [[String: Any]])?.compactMap { $0["email"] as? String }.contains("ana@kct.example")
                    == true)
            let refused = try await processor.request(.post, "/api/users/ana@kct.example/disable")
            #expect(refused.status == 403)
            #expect(try node.store.account("ana@kct.example")?.disabled == false)

            // Once the accounts come from central, the node refuses to manage them.
            let version: Int64 = 7
            try node.store.replaceAccounts(
                AccountsResponse(
                    accounts: [try OrderStore.testAccount("admin@kct.example", role: .admin, version: version)],
                    version: version))
            let joined = try await admin.request(
                .post, "/api/users/admin@kct.example/role", body: #"{"role": "viewer"}"#)
            #expect(joined.status == 409)
            #expect(error(joined.json)["message"].map { "\($0)".contains("kct central") } == true)
        }
    }

    @Test func analyticsComeFromStatusHistory() async throws {
        try await withNode { _, admin, _ in
            let number = try #require(try await create(admin)["order_number"] as? String)
            for status in ["payment_confirmed", "processing", "in_production"] {
                let moved = try await admin.request(
                    .post, "/api/orders/\(number)/status", body: #"{"status": "\#(status)"}"#)
                #expect(moved.status == 200)
            }
            let today = CalendarDate(utcDayOf: Date().timeIntervalSince1970).description
            let answer = try await admin.request(.get, "/api/analytics?since=\(today)")
            #expect(answer.status == 200)
            let analytics = try #require(answer.json as? [String: Any])
            #expect(analytics["since"] as? String == today)
            let stages = try #require(analytics["stages"] as? [[String: Any]])
            #expect(stages.map { $0["stage"] as? String } == FulfilmentStage.allCases.map(\.rawValue))
            #expect(stages[0]["count"] as? Int == 1)
            #expect(stages[0]["median_minutes"] as? Int == 0)
            #expect(stages[2]["count"] as? Int == 0)
            #expect(analytics["orders"] == nil)
            #expect((analytics["sla"] as? [String: Any])?["overdue_open_orders"] as? [String] == [number])
            #expect((analytics["sla"] as? [String: Any])?["overdue_open"] as? Int == 1)
            let withOrders = try await admin.request(.get, "/api/analytics?orders=true")
            let orders = try #require((withOrders.json as? [String: Any])?["orders"] as? [[String: Any]])
            #expect(orders.first?["order_number"] as? String == number)
            #expect(orders.first?["payment_to_processing_minutes"] as? Int == 0)
            #expect(orders.first?["quality_to_shipping_minutes"] is NSNull)
            #expect((analytics["throughput_by_staff"] as? [[String: Any]])?.first?["moves"] as? Int == 2)

            let bad = try await admin.request(.get, "/api/analytics?since=yesterday")
            #expect(bad.status == 400)
            #expect(error(bad.json)["field"] as? String == "since")
            #expect(try await admin.request(.get, "/api/analytics?until=2026-01-01").status == 400)
        }
    }

    @Test func sessionListsTheRolesPermissions() async throws {
        try await withNode { _, _, signIn in
            let processor = try await signIn("pat@kct.example", .processor)
            let session = try #require(try await processor.request(.get, "/api/session").json as? [String: Any])
            let permissions = try #require(session["permissions"] as? [String])
            #expect(permissions == StaffRole.processor.permissions.map(\.rawValue))
            #expect(permissions.contains("edit_items"))
            #expect(!permissions.contains("cancel_orders"))
        }
    }
}
