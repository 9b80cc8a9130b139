import Foundation
import HTTP
import JSONViews
import OrderDomain
import Store

/// `GET /api/queue?status=a,b&priority=rush&limit=50`: open orders by priority score, as
/// `kct queue --json` (with `score_parts` and `claim`); positions are those of the whole queue.
extension LocalAPI {
    func queue(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let query = request.query
        let unknown = Set(query.keys).subtracting(["status", "priority", "limit"])
        guard unknown.isEmpty else {
            throw APIError.badRequest("unknown query parameter(s): \(unknown.sorted().joined(separator: ", "))")
        }
        let statuses = try Self.list(
            query["status"], name: "status", parse: OrderStatus.init(parsing:),
            allowed: OrderStatus.allCases.map(\.rawValue))
        let priorities = try Self.list(
            query["priority"], name: "priority", parse: OrderPriority.init(parsing:),
            allowed: OrderPriority.allCases.map(\.rawValue))
        var limit = 50
        if let given = try request.queryInteger("limit") {
            guard (1...500).contains(given) else {
                throw APIError.badRequest("limit must be between 1 and 500, got \(given)")
            }
            limit = given
        }
        let chosen = limit
        answer(responder, token) { store, _ in
            try APIJSON.encode(
                try store.queue(limit: chosen, statuses: statuses, priorities: priorities).map(QueueEntryJSON.init))
        }
    }
}
