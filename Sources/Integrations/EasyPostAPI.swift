import Foundation

/// EasyPost's API as kct uses it: a shipment (addresses and parcel) answered with rates, buying
/// one rate, and reading the shipment back. JSON bodies; Basic auth with the API key as the user
/// name and an empty password.
///
/// Exactly once: buying has no idempotency key, so the ledger saves the shipment's `shp_` id
/// before buying and only ever repeats the buy of that same shipment. `SHIPMENT.POSTAGE.EXISTS`
/// means it was bought; `SHIPMENT.PURCHASE.IN_PROGRESS`, `SHIPMENT.POSTAGE.NO_RESPONSE`, a 5xx or
/// a lost answer mean unknown: read the shipment back, never create a new one. Creating a
/// shipment costs nothing, so a lost answer there is simply retried (an orphan shipment is never
/// bought).
package struct EasyPostAPI: Sendable {
    package static let defaultBaseURL = "https://api.easypost.com"

    package let configuration: EasyPostConfiguration

    package init(configuration: EasyPostConfiguration) {
        self.configuration = configuration
    }

    /// `POST /v2/shipments`: EasyPost answers with the carriers' rates.
    package func createShipment(_ intent: EasyPostShipmentCreation) -> ProviderRequest {
        struct Body: Encodable {
            struct Shipment: Encodable {
                var toAddress: PostalAddress
                var fromAddress: PostalAddress
                var parcel: Parcel
                var reference: String

                enum CodingKeys: String, CodingKey {
                    case toAddress = "to_address"
                    case fromAddress = "from_address"
                    case parcel, reference
                }
            }
            var shipment: Shipment
        }
        let body = Body(
            shipment: .init(
                toAddress: intent.to, fromAddress: intent.from, parcel: intent.parcel, reference: intent.reference))
        return post("/v2/shipments", json: body)
    }

    /// `POST /v2/shipments/:id/buy` with `{"rate": {"id": …}}`.
    package func buy(shipmentID: String, rateID: String) -> ProviderRequest {
        struct Body: Encodable {
            struct Rate: Encodable { var id: String }
            var rate: Rate
        }
        return post(
            "/v2/shipments/\(FormEncoding.encodeComponent(shipmentID))/buy", json: Body(rate: .init(id: rateID)))
    }

    /// `GET /v2/shipments/:id`.
    package func retrieveShipment(id: String) -> ProviderRequest {
        ProviderRequest(
            method: .get, baseURL: configuration.baseURL, path: "/v2/shipments/\(FormEncoding.encodeComponent(id))",
            headers: [authorization])
    }

    private func post(_ path: String, json: some Encodable) -> ProviderRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings and numbers cannot fail.
        let body = (try? encoder.encode(json)).map { Array($0) } ?? []
        return ProviderRequest(
            method: .post, baseURL: configuration.baseURL, path: path,
            headers: [authorization, ("Content-Type", "application/json")], body: body)
    }

    private var authorization: (name: String, value: String) {
        ("Authorization", "Basic " + Data("\(configuration.apiKey.value):".utf8).base64EncodedString())
    }
}

/// A shipment to price: the order's address, the shop's, and the order's parcel.
package struct EasyPostShipmentCreation: Hashable, Sendable {
    package var to: PostalAddress
    package var from: PostalAddress
    package var parcel: Parcel
    /// Shown on the label and in EasyPost's dashboard: the order number.
    package var reference: String

    package init(to: PostalAddress, from: PostalAddress, parcel: Parcel, reference: String) {
        self.to = to
        self.from = from
        self.parcel = parcel
        self.reference = reference
    }
}
