import Integrations
import OrderDomain
import ProviderStandIns
import TestSupport
import Testing

/// Rates, buying once, and reconciliation against the EasyPost stand-in.
@Suite(.serialized) struct EasyPostStandInTests {
    let shop = PostalAddress(name: "KCT", street1: "1 Shop St", city: "Kansas City", zip: "64105", country: "US")
    let customer = PostalAddress(
        name: "Ana", street1: "9 Elm St", city: "Austin", state: "TX", zip: "73301", country: "US")

    func withEasyPost(_ body: (EasyPostStandIn, EasyPostAPI, TestClient) async throws -> Void) async throws {
        let easyPost = try await EasyPostStandIn.start()
        let client = try await TestClient.start()
        let api = EasyPostAPI(
            configuration: EasyPostConfiguration(apiKey: ProviderSecret(easyPost.apiKey), baseURL: easyPost.baseURL))
        do {
            try await body(easyPost, api, client)
        } catch {
            try await client.stop()
            try await easyPost.stop()
            throw error
        }
        try await client.stop()
        try await easyPost.stop()
    }

    func shipment(_ api: EasyPostAPI, _ client: TestClient) async throws -> EasyPostShipment {
        let request = api.createShipment(
            EasyPostShipmentCreation(
                to: customer, from: shop, parcel: Parcel(items: [("Navy suit", 1), ("Silk tie", 2)]), reference: "KCT-9"
            ))
        return try #require(EasyPostAPI.classifyShipmentCreation(await client.reply(to: request)).success)
    }

    @Test func ratesThenOneLabelEvenWhenBuyingTwice() async throws {
        try await withEasyPost { easyPost, api, client in
            let created = try await shipment(api, client)
            #expect(created.rates.count == 3)
            #expect(created.rates.allSatisfy { $0.price != nil })
            #expect(!created.isPurchased)
            let rate = try #require(created.rates.first)
            let bought = try #require(
                EasyPostAPI.classifyPurchase(
                    await client.reply(to: api.buy(shipmentID: created.id, rateID: rate.id)), shipmentID: created.id
                ).success)
            #expect(bought.isPurchased && bought.trackingCode != nil && bought.selectedRate?.id == rate.id)
            #expect(bought.tracker?.trackingStatus == .preTransit)

            let again = EasyPostAPI.classifyPurchase(
                await client.reply(to: api.buy(shipmentID: created.id, rateID: rate.id)), shipmentID: created.id)
            guard case .unknown(.easyPostShipment(let id), let reason) = again else {
                Issue.record("a second buy is SHIPMENT.POSTAGE.EXISTS → read back, got \(again)")
                return
            }
            #expect(reason.contains("SHIPMENT.POSTAGE.EXISTS"))
            let readBack = EasyPostAPI.classifyShipmentRetrieval(await client.reply(to: api.retrieveShipment(id: id)))
            #expect(readBack.success?.trackingCode == bought.trackingCode)
            #expect(easyPost.counters.labelsBought == 1)
        }
    }

    @Test func aLostPurchaseAnswerIsSettledByReadingTheShipment() async throws {
        try await withEasyPost { easyPost, api, client in
            let created = try await shipment(api, client)
            easyPost.inject(.answerLostAfterActing)
            let lost = EasyPostAPI.classifyPurchase(
                await client.reply(to: api.buy(shipmentID: created.id, rateID: created.rates[1].id)),
                shipmentID: created.id)
            guard case .unknown(.easyPostShipment(created.id), _) = lost else {
                Issue.record("a lost purchase answer is unknown, got \(lost)")
                return
            }
            let readBack = try #require(
                EasyPostAPI.classifyShipmentRetrieval(await client.reply(to: api.retrieveShipment(id: created.id)))
                    .success)
            #expect(readBack.isPurchased && readBack.selectedRate?.id == created.rates[1].id)
            #expect(easyPost.counters.labelsBought == 1)
        }
    }

    @Test func aFailedPurchaseLeavesTheShipmentToBuyAgain() async throws {
        try await withEasyPost { easyPost, api, client in
            let created = try await shipment(api, client)
            easyPost.inject(.serverErrorBeforeActing(status: 500))
            guard
                case .unknown = EasyPostAPI.classifyPurchase(
                    await client.reply(to: api.buy(shipmentID: created.id, rateID: created.rates[0].id)),
                    shipmentID: created.id)
            else {
                Issue.record("a 5xx on buy is unknown")
                return
            }
            let readBack = try #require(
                EasyPostAPI.classifyShipmentRetrieval(await client.reply(to: api.retrieveShipment(id: created.id)))
                    .success)
            #expect(!readBack.isPurchased)
            let bought = EasyPostAPI.classifyPurchase(
                await client.reply(to: api.buy(shipmentID: created.id, rateID: created.rates[0].id)),
                shipmentID: created.id)
            #expect(bought.success?.isPurchased == true)
            #expect(easyPost.counters.labelsBought == 1)
        }
    }

    @Test func carrierErrorCodesAreUnknown() async throws {
        try await withEasyPost { easyPost, api, client in
            let created = try await shipment(api, client)
            easyPost.injectPurchaseFault(.inProgress)
            easyPost.injectPurchaseFault(.noResponseAfterBuying)
            for code in ["SHIPMENT.PURCHASE.IN_PROGRESS", "SHIPMENT.POSTAGE.NO_RESPONSE"] {
                let outcome = EasyPostAPI.classifyPurchase(
                    await client.reply(to: api.buy(shipmentID: created.id, rateID: created.rates[0].id)),
                    shipmentID: created.id)
                guard case .unknown(_, let reason) = outcome, reason.contains(code) else {
                    Issue.record("\(code) should be unknown, got \(outcome)")
                    continue
                }
            }
            let readBack = EasyPostAPI.classifyShipmentRetrieval(
                await client.reply(to: api.retrieveShipment(id: created.id)))
            #expect(readBack.success?.isPurchased == true)
            #expect(easyPost.counters.labelsBought == 1)
        }
    }

    @Test func invalidShipmentsAndKeysArePermanent() async throws {
        try await withEasyPost { easyPost, api, client in
            var noZip = customer
            noZip.zip = ""
            let invalid = EasyPostAPI.classifyShipmentCreation(
                await client.reply(
                    to: api.createShipment(
                        EasyPostShipmentCreation(
                            to: noZip, from: shop, parcel: Parcel(items: [("Shirt", 1)]), reference: "r"))))
            guard case .permanent(let message) = invalid else {
                Issue.record("an invalid address is permanent")
                return
            }
            #expect(message.contains("ADDRESS.VERIFY.FAILURE"))
            let wrongKey = EasyPostAPI(
                configuration: EasyPostConfiguration(apiKey: ProviderSecret("EZTKwrong"), baseURL: easyPost.baseURL))
            guard
                case .permanent = EasyPostAPI.classifyShipmentRetrieval(
                    await client.reply(to: wrongKey.retrieveShipment(id: "shp_x")))
            else {
                Issue.record("a wrong key is permanent")
                return
            }
            #expect(easyPost.counters.shipmentsCreated == 0)
        }
    }
}
