import Foundation
import HTTP
import JSONViews
import OrderDomain
import Store
import SyncCore

extension LocalAPI {
    /// `GET /api/orders?status=a,b&priority=rush&search=jane&limit=50&cursor=…`: a page of
    /// orders; when more follow, the `X-Next-Cursor` header holds the `cursor` of the next page
    /// (keyset paging: `OrderStore.orderPage`). The body stays the array of `kct orders list --json`.
    func listOrders(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let query = request.query
        let unknown = Set(query.keys).subtracting(["status", "priority", "search", "limit", "cursor"])
        guard unknown.isEmpty else {
            throw APIError.badRequest("unknown query parameter(s): \(unknown.sorted().joined(separator: ", "))")
        }
        var filter = OrderFilter()
        filter.statuses = try Self.list(
            query["status"], name: "status", parse: OrderStatus.init(parsing:),
            allowed: OrderStatus.allCases.map(\.rawValue))
        filter.priorities = try Self.list(
            query["priority"], name: "priority", parse: OrderPriority.init(parsing:),
            allowed: OrderPriority.allCases.map(\.rawValue))
        filter.search = query["search"].flatMap { $0.isEmpty ? nil : $0 }
        if let limit = try request.queryInteger("limit") {
            guard (1...500).contains(limit) else {
                throw APIError.badRequest("limit must be between 1 and 500, got \(limit)")
            }
            filter.limit = limit
        }
        if let cursor = query["cursor"], !cursor.isEmpty {
            do {
                filter.after = try OrderListCursor(parsing: cursor, search: filter.isSearch)
            } catch {
                throw APIError(.badRequest, code: "bad_cursor", error.description, field: "cursor")
            }
        }
        let chosen = filter
        respond(responder, token) { store, _ in
            let page = try store.orderPage(chosen)
            var response = HTTPResponse.json(
                bytes: try APIJSON.encode(try page.orders.map { OrderJSON(try store.detail($0.id)) }))
            if let next = page.nextCursor { response.headers.set("X-Next-Cursor", next.encoded) }
            return response
        }
    }

    /// The order, with `allowed_statuses` (the moves the lifecycle and the person's role allow)
    /// and `claim` (who is working on it).
    func showOrder(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) {
        let reference = request.pathParameters["ref"] ?? ""
        answer(responder, token) { store, actor in
            try APIJSON.encode(try OrderPageJSON(store, try store.detail(reference), role: actor.role))
        }
    }

    /// `POST /api/orders` with the order object of `kct orders create --from-json`.
    func createOrder(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let object = try Self.jsonObject(request)
        let draft: OrderDraft
        do { draft = try OrderDraftInput.draft(object, label: "order") } catch let error as OrderInputError {
            throw APIError(.badRequest, code: "bad_request", error.description, field: error.field)
        } catch {
            throw APIError.badRequest("\(error)")
        }
        edit(responder, token, status: .created) { store, actor in
            let order = try store.createOrder(draft, by: actor)
            return (order.id, try store.detail(order.id))
        }
    }

    /// `PATCH /api/orders/:ref`: any of the fields below; null or "" clears an optional one.
    func updateOrder(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        let input = try OrderPatchInput(Self.jsonObject(request))
        edit(responder, token) { store, actor in
            var orderID = try store.order(reference).id
            if let patch = try input.patch(currency: try store.currency(of: reference)) {
                orderID = try store.updateOrder(reference, patch, by: actor).id
            }
            if let priority = input.priority {
                orderID = try store.setPriority(reference, to: priority, by: actor).id
            }
            return (orderID, try store.detail(orderID))
        }
    }

    /// `POST /api/orders/:ref/status` with `{"status": "in_production", "note": "…"}`.
    func moveOrder(_ request: HTTPRequest, _ responder: HTTPResponder, _ token: SessionToken) throws {
        let reference = request.pathParameters["ref"] ?? ""
        let object = try Self.jsonObject(request)
        let unknown = Set(object.keys).subtracting(["status", "note"])
        guard unknown.isEmpty else {
            throw APIError.badRequest("unknown field(s): \(unknown.sorted().joined(separator: ", "))")
        }
        guard case .string(let name)? = object["status"] else { throw APIError.badRequest("status must be a string") }
        guard let target = OrderStatus(parsing: name) else {
            throw APIError.badRequest(
                "status '\(name)' is not one of: \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let note: String?
        switch object["note"] {
        case nil, .null?: note = nil
        case .string(let text)?: note = text
        default: throw APIError.badRequest("note must be a string")
        }
        edit(responder, token) { store, actor in
            let moved = try store.changeStatus(reference, to: target, note: note, by: actor)
            return (moved.id, try store.detail(moved.id))
        }
    }

    /// An edit on the thread pool as the session's person that answers with the order (and the
    /// moves the person may make next), then (on the loop) the answer and the daemon's notice.
    func edit(
        _ responder: HTTPResponder, _ token: SessionToken, status: HTTPStatus = .ok,
        _ work: @escaping @Sendable (OrderStore, StaffActor) throws -> (String, OrderDetail)
    ) {
        editAnswering(responder, token, status: status) { store, actor in
            let (orderID, detail) = try work(store, actor)
            return (orderID, try APIJSON.encode(try OrderPageJSON(store, detail, role: actor.role)))
        }
    }

    /// An edit on the thread pool as the session's person, answered with the JSON bytes `work`
    /// returns; on success the daemon is told which order changed (sync soon, SSE).
    func editAnswering(
        _ responder: HTTPResponder, _ token: SessionToken, status: HTTPStatus = .ok,
        _ work: @escaping @Sendable (OrderStore, StaffActor) throws -> (orderID: String, body: [UInt8])
    ) {
        let store = self.store
        editsInFlight += 1
        loop.offload({ () throws -> (String, Int64, [UInt8]) in
            let (orderID, bytes) = try work(store, try Self.actor(store, token))
            return (orderID, try store.lastOutboxSequence(), bytes)
        }) { [weak self] result in
            guard let self else { return }
            editsInFlight -= 1
            switch result {
            case .success(let (orderID, sequence, bytes)):
                responder.send(.json(bytes: bytes, status: status))
                hooks.editMade(orderID, sequence)
            case .failure(let error):
                responder.send(APIError(any: error).response)
            }
            if editsInFlight == 0 { hooks.editsSettled() }
        }
    }

    /// A comma-separated query value as a list of enum values; a 400 naming the allowed ones.
    static func list<Value>(_ text: String?, name: String, parse: (String) -> Value?, allowed: [String])
        throws(APIError) -> [Value]
    {
        guard let text, !text.isEmpty else { return [] }
        var values: [Value] = []
        for part in text.split(separator: ",") {
            guard let value = parse(String(part)) else {
                throw .badRequest("\(name) '\(part)' is not one of: \(allowed.joined(separator: ", "))")
            }
            values.append(value)
        }
        return values
    }
}

/// An order as `GET /api/orders/:ref` and every order edit answer it: the `kct orders show
/// --json` object plus `allowed_statuses`, the next statuses the lifecycle and the signed-in
/// person's role both allow (PermissionMatrix), so a screen offers only those moves, and `claim`
/// (`{"by","name","at","stage"}` or null). Thread pool (reads the claim).
struct OrderPageJSON: Encodable {
    let order: OrderJSON
    let allowedStatuses: [String]
    let claim: ClaimJSON?

    init(_ store: OrderStore, _ detail: OrderDetail, role: StaffRole) throws {
        order = OrderJSON(detail)
        allowedStatuses = PermissionMatrix.allowedMoves(
            from: detail.order.status, resumeStatus: detail.order.resumeStatus, role: role
        ).map(\.rawValue)
        claim = try store.claimHolder(detail.order.id).map(ClaimJSON.init)
    }

    enum CodingKeys: String, CodingKey { case allowedStatuses = "allowed_statuses", claim }

    func encode(to encoder: any Encoder) throws {
        try order.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(allowedStatuses, forKey: .allowedStatuses)
        try container.encode(claim, forKey: .claim)
    }
}

/// A PATCH body, checked for shape on the loop; amounts become `Money` once the order's
/// currency is known (on the thread pool).
struct OrderPatchInput: Sendable {
    static let keys: Set<String> = [
        "customer_name", "customer_email", "customer_phone", "shipping_address", "billing_address", "notes",
        "needed_by", "tax_amount", "shipping_amount", "priority",
    ]

    var customerName: String?
    var customerEmail: String?
    var customerPhone: String?
    var shippingAddress: String?
    var billingAddress: String?
    var notes: String?
    var neededBy: CalendarDate??
    var tax: String?
    var shipping: String?
    var priority: OrderPriority?

    init(_ object: [String: JSONValue]) throws(APIError) {
        let unknown = Set(object.keys).subtracting(Self.keys)
        guard unknown.isEmpty else {
            throw .badRequest("unknown field(s): \(unknown.sorted().joined(separator: ", "))")
        }
        guard !object.isEmpty else { throw .badRequest("give at least one field to change") }
        func text(_ key: String) throws(APIError) -> String? {
            switch object[key] {
            case nil: return nil
            case .null?: return ""
            case .string(let value)?: return value
            default: throw .badRequest("\(key) must be a string or null")
            }
        }
        func document(_ key: String) throws(APIError) -> String? {
            switch object[key] {
            case nil: return nil
            case .null?: return ""
            case .string(let value)?: return value
            case .object?: return object[key]!.canonicalString
            default: throw .badRequest("\(key) must be a JSON object or null")
            }
        }
        customerName = try text("customer_name")
        customerEmail = try text("customer_email")
        customerPhone = try text("customer_phone")
        shippingAddress = try document("shipping_address")
        billingAddress = try document("billing_address")
        notes = try text("notes")
        tax = try text("tax_amount")
        shipping = try text("shipping_amount")
        if let date = try text("needed_by") {
            if date.isEmpty {
                neededBy = .some(nil)
            } else {
                do { neededBy = .some(try CalendarDate(parsing: date)) } catch {
                    throw APIError(.unprocessableEntity, code: "invalid", error.description)
                }
            }
        }
        if let name = try text("priority") {
            guard let parsed = OrderPriority(parsing: name) else {
                throw .badRequest(
                    "priority '\(name)' is not one of: "
                        + "\(OrderPriority.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            priority = parsed
        }
    }

    /// The field changes as an `OrderPatch`; nil when only the priority changes.
    func patch(currency: Currency) throws -> OrderPatch? {
        func money(_ text: String?, _ field: String) throws -> Money? {
            guard let text else { return nil }
            do { return try OrderDraftInput.money(text, currency: currency, field: field) } catch {
                throw APIError(.unprocessableEntity, code: "invalid", error.description)
            }
        }
        let patch = OrderPatch(
            customerName: customerName, customerEmail: customerEmail, customerPhone: customerPhone,
            shippingAddress: shippingAddress, billingAddress: billingAddress, notes: notes, neededBy: neededBy,
            tax: try money(tax, "tax_amount"), shipping: try money(shipping, "shipping_amount"))
        return patch == OrderPatch() ? nil : patch
    }
}
