import Foundation
import Integrations
import OrderDomain
import Testing

@Suite struct EasyPostAPITests {
    let api = EasyPostAPI(configuration: EasyPostConfiguration(apiKey: ProviderSecret("EZTK123")))
    let shop = PostalAddress(
        name: "KCT Menswear", street1: "1 Shop St", city: "Kansas City", state: "MO", zip: "64105", country: "US")

    func answer(_ status: Int, _ body: String) -> ProviderReply {
        .answered(ProviderAnswer(status: status, body: Array(body.utf8)))
    }

    func error(_ code: String) -> String { "{\"error\":{\"code\":\"\(code)\",\"message\":\"m\",\"errors\":[]}}" }

    static let boughtShipment = """
        {"id":"shp_1","object":"Shipment","rates":[{"id":"rate_1","carrier":"USPS","service":"Priority","rate":"7.58",
        "currency":"USD","delivery_days":2}],"selected_rate":{"id":"rate_1","carrier":"USPS","service":"Priority",
        "rate":"7.58","currency":"USD"},"postage_label":{"label_url":"https://files.example/l.png"},
        "tracking_code":"EZ1","tracker":{"id":"trk_1","status":"pre_transit","tracking_code":"EZ1"}}
        """

    @Test func shipmentCreationIsJSONWithBasicAuth() throws {
        let to = try PostalAddress(
            orderAddressJSON:
                #"{"line1":"1400 Main St","city":"Kansas City","region":"MO","postal_code":"64105","country":"US"}"#,
            name: "Ana Díaz", email: "ana@example.com", phone: nil)
        let parcel = Parcel(items: [(productName: "Navy suit", quantity: 1)])
        let request = api.createShipment(
            EasyPostShipmentCreation(to: to, from: shop, parcel: parcel, reference: "KCT-7"))
        #expect(request.url == "https://api.easypost.com/v2/shipments")
        #expect(request.header("Authorization") == "Basic " + Data("EZTK123:".utf8).base64EncodedString())
        #expect(!request.description.contains(Data("EZTK123:".utf8).base64EncodedString()))
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: [String: Any]])
        let shipment = try #require(body["shipment"])
        let toAddress = try #require(shipment["to_address"] as? [String: Any])
        #expect(toAddress["street1"] as? String == "1400 Main St")
        #expect(toAddress["state"] as? String == "MO")
        #expect(toAddress["zip"] as? String == "64105")
        #expect(toAddress["name"] as? String == "Ana Díaz")
        #expect((shipment["parcel"] as? [String: Any])?["weight"] as? Double == 72)
        #expect(shipment["reference"] as? String == "KCT-7")
    }

    @Test func addressesMissingFieldsAreRefused() {
        #expect(throws: ProviderError.invalidIntent("the order's shipping address lacks city, postal_code")) {
            try PostalAddress(
                orderAddressJSON: #"{"line1":"1 A St","country":"US"}"#, name: "n", email: nil, phone: nil)
        }
        #expect(throws: ProviderError.self) {
            try PostalAddress(orderAddressJSON: "not json", name: "n", email: nil, phone: nil)
        }
    }

    @Test func buyNamesTheRate() {
        let request = api.buy(shipmentID: "shp_1", rateID: "rate_9")
        #expect(request.path == "/v2/shipments/shp_1/buy")
        #expect(request.bodyText == #"{"rate":{"id":"rate_9"}}"#)
    }

    @Test func ratesAndLabelsParse() throws {
        let shipment = try #require(
            EasyPostAPI.classifyPurchase(answer(200, Self.boughtShipment), shipmentID: "shp_1").success)
        #expect(shipment.isPurchased)
        #expect(shipment.labelURL == "https://files.example/l.png")
        #expect(shipment.trackingCode == "EZ1")
        #expect(shipment.rates.first?.price == Money(minorUnits: 758, currency: .usd))
        #expect(shipment.tracker?.trackingStatus == .preTransit)
    }

    @Test func postageExistsAndUncertainPurchasesAreReconciledByReadingTheShipment() {
        for reply in [
            answer(422, error("SHIPMENT.POSTAGE.EXISTS")), answer(422, error("SHIPMENT.PURCHASE.IN_PROGRESS")),
            answer(422, error("SHIPMENT.POSTAGE.NO_RESPONSE")), answer(500, error("INTERNAL_SERVER_ERROR")),
            .answerLost(reason: "timeout"),
        ] {
            let outcome = EasyPostAPI.classifyPurchase(reply, shipmentID: "shp_1")
            guard case .unknown(.easyPostShipment("shp_1"), _) = outcome else {
                Issue.record("expected unknown → read shp_1, got \(outcome)")
                continue
            }
        }
        let unbought = #"{"id":"shp_1","rates":[],"postage_label":null}"#
        guard case .unknown = EasyPostAPI.classifyPurchase(answer(200, unbought), shipmentID: "shp_1") else {
            Issue.record("a purchase answered without a label is unknown")
            return
        }
    }

    @Test func otherAnswersToAPurchase() {
        guard case .transient = EasyPostAPI.classifyPurchase(.notDelivered(reason: "refused"), shipmentID: "s"),
            case .transient(.seconds(3), _) = EasyPostAPI.classifyPurchase(
                .answered(
                    ProviderAnswer(
                        status: 429, headers: [("retry-after", "3")], body: Array(error("RATE_LIMITED").utf8))),
                shipmentID: "s"),
            case .permanent(let message) = EasyPostAPI.classifyPurchase(
                answer(422, error("SHIPMENT.RATE.INVALID")), shipmentID: "s"),
            case .permanent = EasyPostAPI.classifyPurchase(answer(401, error("APIKEY.INACTIVE")), shipmentID: "s")
        else {
            Issue.record("not delivered and 429 are transient; invalid rates and bad keys permanent")
            return
        }
        #expect(message == "EasyPost 422 SHIPMENT.RATE.INVALID: m")
    }

    @Test func creatingAShipmentIsRetriedWhenUncertain() {
        guard case .transient = EasyPostAPI.classifyShipmentCreation(.answerLost(reason: "x")),
            case .transient = EasyPostAPI.classifyShipmentCreation(answer(503, "")),
            case .permanent = EasyPostAPI.classifyShipmentCreation(answer(422, error("ADDRESS.VERIFY.FAILURE")))
        else {
            Issue.record("creating buys nothing: uncertain answers are retried, refusals are final")
            return
        }
    }
}

@Suite struct ParcelTableTests {
    @Test func productNamesMapToKinds() {
        let cases: [(String, ParcelItemKind)] = [
            ("Navy three-piece suit", .suit), ("Tuxedo", .suit), ("Suit jacket, charcoal", .jacket),
            ("Linen blazer", .jacket), ("Wool trousers", .trousers), ("Dress pants", .trousers),
            ("Oxford shirt", .shirt), ("Silk tie", .tie), ("Bow tie", .tie), ("Tie bar", .accessories),
            ("Cufflinks, silver", .accessories), ("Double-breasted waistcoat", .waistcoat), ("Gift card", .other),
        ]
        for (name, kind) in cases { #expect(ParcelItemKind(productName: name) == kind, "\(name)") }
    }

    @Test func itemsAreSummedIntoOneBox() {
        let parcel = Parcel(items: [("Navy suit", 1), ("Oxford shirt", 2), ("Silk tie", 1)])
        // Largest footprint (suit 24×16) + 1 in of box; heights 4 + 2×2 + 1 + 1; weights 64 + 24 + 3 + 8.
        #expect(parcel == Parcel(length: 25, width: 17, height: 10, weight: 99))
        #expect(Parcel(items: []) == Parcel.packaging)
    }
}
