import Foundation
import HTTP
import JSONViews
import OrderDomain
import Store

/// `GET /api/analytics?since=YYYY-MM-DD[&orders=true]`: processing analytics as `kct stats
/// --analytics --json [--orders]` (on the thread pool: the per-day totals, or with orders the period's histories).
extension LocalAPI {
    func analytics(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let query = request.query
        let unknown = Set(query.keys).subtracting(["since", "orders"])
        guard unknown.isEmpty else {
            throw APIError.badRequest("unknown query parameter(s): \(unknown.sorted().joined(separator: ", "))")
        }
        var since: CalendarDate?
        if let text = query["since"], !text.isEmpty {
            do { since = try CalendarDate(parsing: text) } catch {
                throw APIError.badField("since", error.description)
            }
        }
        let chosen = since
        let includeOrders = query["orders"] == "true"
        answer(responder, token) { store, _ in
            try APIJSON.encode(
                AnalyticsJSON(
                    try store.analytics(since: chosen, includeOrders: includeOrders), includeOrders: includeOrders))
        }
    }
}
