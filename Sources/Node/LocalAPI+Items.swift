import Foundation
import HTTP
import JSONViews
import OrderDomain
import Store

/// Items with their custom measurements: `POST /api/orders/:ref/items` (201),
/// `PATCH /api/orders/:ref/items/:item`, `DELETE /api/orders/:ref/items/:item`. `:item` is a line
/// number or an item id; each answers with the order as `GET /api/orders/:ref` does.
extension LocalAPI {
    /// The item object of `POST /api/orders` (`product_name`, `unit_price`, `quantity`, `size`,
    /// `color`, `product_source`, `custom_measurements`).
    func addItem(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        // Checked here; read again on the thread pool, where the order's currency is known.
        _ = try Self.jsonObject(request)
        let body = request.body
        edit(responder, token, status: .created) { store, actor in
            let draft = try Self.itemInput {
                try OrderDraftInput.item(
                    try Self.jsonObject(body), currency: try store.currency(of: reference), label: "item")
            }
            try store.addItem(to: reference, draft, by: actor)
            let detail = try store.detail(reference)
            return (detail.order.id, detail)
        }
    }

    /// Any of the item's fields; null or "" clears `size`, `color`, `custom_measurements`.
    func updateItem(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        let itemReference = request.pathParameters["item"] ?? ""
        _ = try Self.jsonObject(request)
        let body = request.body
        edit(responder, token) { store, actor in
            let patch = try Self.itemInput {
                try OrderDraftInput.itemPatch(
                    try Self.jsonObject(body), currency: try store.currency(of: reference), label: "item")
            }
            try store.updateItem(order: reference, item: itemReference, patch, by: actor)
            let detail = try store.detail(reference)
            return (detail.order.id, detail)
        }
    }

    func removeItem(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) {
        let reference = request.pathParameters["ref"] ?? ""
        let itemReference = request.pathParameters["item"] ?? ""
        edit(responder, token) { store, actor in
            try store.removeItem(order: reference, item: itemReference, by: actor)
            let detail = try store.detail(reference)
            return (detail.order.id, detail)
        }
    }

    /// Parses an item body (which needs the order's currency, so it runs on the thread pool):
    /// a malformed one is a 400 naming the field; store errors pass through.
    static func itemInput<T>(_ parse: () throws -> T) throws -> T {
        do { return try parse() } catch let error as OrderInputError {
            throw APIError(.badRequest, code: "bad_request", error.description, field: error.field)
        }
    }
}
