import Integrations
import OrderDomain
import ProviderStandIns
import TestSupport
import Testing

/// The module's requests and classifiers against the Stripe stand-in, through the project's
/// HTTP client: Stripe's idempotency contract end to end.
@Suite(.serialized) struct StripeStandInTests {
    func withStripe(_ body: (StripeStandIn, StripeAPI, TestClient) async throws -> Void) async throws {
        let stripe = try await StripeStandIn.start()
        let client = try await TestClient.start()
        let api = StripeAPI(
            configuration: StripeConfiguration(secretKey: ProviderSecret(stripe.secretKey), baseURL: stripe.baseURL))
        do {
            try await body(stripe, api, client)
        } catch {
            try await client.stop()
            try await stripe.stop()
            throw error
        }
        try await client.stop()
        try await stripe.stop()
    }

    func intent(_ effectID: String, minorUnits: Int64 = 104_900) -> StripePaymentIntentCreation {
        StripePaymentIntentCreation(
            orderID: "ord-1", effectID: effectID, amount: Money(minorUnits: minorUnits, currency: .usd))
    }

    @Test func aRepeatedKeyIsReplayedAndChargesOnce() async throws {
        try await withStripe { stripe, api, client in
            let request = try api.createPaymentIntent(intent("eff-1"))
            let first = await client.reply(to: request)
            let created = try #require(StripeAPI.classifyPaymentIntentCreation(first, effectID: "eff-1").success)
            #expect(created.amount == 104_900 && created.currency == "usd")
            #expect(created.metadata == ["order_id": "ord-1", "effect_id": "eff-1"])
            let second = await client.reply(to: request)
            guard case .answered(let answer) = second else {
                Issue.record("no answer to the repeat")
                return
            }
            #expect(StripeAPI.isReplay(answer))
            #expect(StripeAPI.classifyPaymentIntentCreation(second, effectID: "eff-1").success == created)
            #expect(stripe.counters.intentsCreated == 1)
            #expect(stripe.counters.replays == 1)
        }
    }

    @Test func theSameKeyWithOtherParametersIsRefused() async throws {
        try await withStripe { stripe, api, client in
            _ = await client.reply(to: try api.createPaymentIntent(intent("eff-2")))
            let changed = await client.reply(to: try api.createPaymentIntent(intent("eff-2", minorUnits: 5_000)))
            guard case .permanent(let message) = StripeAPI.classifyPaymentIntentCreation(changed, effectID: "eff-2")
            else {
                Issue.record("a changed amount under the same key must be refused")
                return
            }
            #expect(message.contains("idempotency_error"))
            #expect(stripe.counters.intentsCreated == 1)
        }
    }

    @Test func rateLimitsAreRetriedAfterTheirDelay() async throws {
        try await withStripe { stripe, api, client in
            stripe.inject(.rateLimited(retryAfterSeconds: 2))
            let request = try api.createPaymentIntent(intent("eff-3"))
            guard
                case .transient(.seconds(2), _) = StripeAPI.classifyPaymentIntentCreation(
                    await client.reply(to: request), effectID: "eff-3")
            else {
                Issue.record("429 is transient with Retry-After")
                return
            }
            // Nothing was saved for the key: the retry runs the endpoint.
            let retried = StripeAPI.classifyPaymentIntentCreation(await client.reply(to: request), effectID: "eff-3")
            #expect(retried.success != nil)
            #expect(stripe.counters.intentsCreated == 1 && stripe.counters.replays == 0)
        }
    }

    @Test func aLostAnswerIsRecoveredByRepeatingTheKey() async throws {
        try await withStripe { stripe, api, client in
            stripe.inject(.answerLostAfterActing)
            let request = try api.createPaymentIntent(intent("eff-4"))
            let lost = await client.reply(to: request)
            guard case .answerLost = lost else {
                Issue.record("the dropped connection should read as a lost answer, got \(lost)")
                return
            }
            guard case .transient = StripeAPI.classifyPaymentIntentCreation(lost, effectID: "eff-4") else {
                Issue.record("a lost answer is repeated under the same key")
                return
            }
            let repeated = await client.reply(to: request)
            let intent = try #require(StripeAPI.classifyPaymentIntentCreation(repeated, effectID: "eff-4").success)
            #expect(stripe.paymentIntentIDs == [intent.id])
            #expect(stripe.counters.intentsCreated == 1 && stripe.counters.replays == 1)
        }
    }

    @Test func aSavedServerErrorIsReconciledNotRetried() async throws {
        try await withStripe { stripe, api, client in
            stripe.inject(.serverErrorAfterActing(status: 500))
            let request = try api.createPaymentIntent(intent("eff-5"))
            let first = StripeAPI.classifyPaymentIntentCreation(await client.reply(to: request), effectID: "eff-5")
            guard case .unknown(.stripePaymentIntentForEffect("eff-5"), _) = first else {
                Issue.record("a 500 on create is unknown, got \(first)")
                return
            }
            // Stripe replays the saved 500: retrying blind would never learn anything.
            let replay = StripeAPI.classifyPaymentIntentCreation(await client.reply(to: request), effectID: "eff-5")
            guard case .unknown = replay else {
                Issue.record("the replayed 500 is still unknown, got \(replay)")
                return
            }
            let list = await client.reply(to: api.listPaymentIntents(createdSince: 0))
            let found = try #require(StripeAPI.classifyPaymentIntentList(list).success?.intent(forEffect: "eff-5"))
            #expect(found.amount == 104_900)
            #expect(stripe.counters.intentsCreated == 1)
        }
    }

    @Test func aServerErrorBeforeActingLeadsToTheNextKeyGeneration() async throws {
        try await withStripe { stripe, api, client in
            stripe.inject(.serverErrorBeforeActing(status: 500))
            _ = await client.reply(to: try api.createPaymentIntent(intent("eff-6")))
            let list = await client.reply(to: api.listPaymentIntents(createdSince: 0))
            #expect(try #require(StripeAPI.classifyPaymentIntentList(list).success).intent(forEffect: "eff-6") == nil)
            var next = intent("eff-6")
            next.idempotencyKey = StripeAPI.idempotencyKey(effectID: "eff-6", generation: 1)
            let created = StripeAPI.classifyPaymentIntentCreation(
                await client.reply(to: try api.createPaymentIntent(next)), effectID: "eff-6")
            #expect(created.success?.metadata["effect_id"] == "eff-6")
            #expect(stripe.counters.intentsCreated == 1)
        }
    }

    @Test func aKeyStillRunningAnswers409AndSavesNothing() async throws {
        try await withStripe { stripe, api, client in
            // Long enough for the repeat to arrive on a loaded machine while the first is held.
            stripe.inject(.delay(.seconds(3)))
            let request = try api.createPaymentIntent(intent("eff-7"))
            async let slow = client.reply(to: request)
            while stripe.counters.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let concurrent = StripeAPI.classifyPaymentIntentCreation(await client.reply(to: request), effectID: "eff-7")
            guard case .transient = concurrent else {
                Issue.record("409 while the key is in flight is transient, got \(concurrent)")
                return
            }
            #expect(StripeAPI.classifyPaymentIntentCreation(await slow, effectID: "eff-7").success != nil)
            #expect(stripe.counters.intentsCreated == 1)
        }
    }

    @Test func refundsHappenOnceAndAreFoundAgain() async throws {
        try await withStripe { stripe, api, client in
            let created = try #require(
                StripeAPI.classifyPaymentIntentCreation(
                    await client.reply(to: try api.createPaymentIntent(intent("eff-8"))), effectID: "eff-8"
                ).success)
            stripe.completePayment(intentID: created.id)
            let retrieved = StripeAPI.classifyPaymentIntentRetrieval(
                await client.reply(to: api.retrievePaymentIntent(id: created.id)))
            #expect(retrieved.success?.isSucceeded == true)

            let refund = StripeRefundCreation(orderID: "ord-1", effectID: "eff-r", paymentIntentID: created.id)
            stripe.inject(.answerLostAfterActing)
            let lost = await client.reply(to: try api.createRefund(refund))
            guard
                case .transient = StripeAPI.classifyRefundCreation(lost, paymentIntentID: created.id, effectID: "eff-r")
            else {
                Issue.record("a lost refund answer is repeated under its key")
                return
            }
            let again = StripeAPI.classifyRefundCreation(
                await client.reply(to: try api.createRefund(refund)), paymentIntentID: created.id, effectID: "eff-r")
            #expect(again.success?.amount == 104_900)
            // A second refund effect for the same payment is refused by Stripe: nothing is left.
            let second = StripeAPI.classifyRefundCreation(
                await client.reply(
                    to: try api.createRefund(
                        StripeRefundCreation(orderID: "ord-1", effectID: "eff-r2", paymentIntentID: created.id))),
                paymentIntentID: created.id, effectID: "eff-r2")
            guard case .permanent(let message) = second else {
                Issue.record("a second refund of a refunded payment is permanent, got \(second)")
                return
            }
            #expect(message.contains("charge_already_refunded"))
            let list = StripeAPI.classifyRefundList(
                await client.reply(to: api.listRefunds(paymentIntentID: created.id)))
            #expect(list.success?.refund(forEffect: "eff-r")?.id == again.success?.id)
            #expect(stripe.counters.refundsCreated == 1)
        }
    }

    @Test func aStripeThatIsNotListeningIsNotDelivered() async throws {
        let stripe = try await StripeStandIn.start()
        let api = StripeAPI(
            configuration: StripeConfiguration(secretKey: ProviderSecret(stripe.secretKey), baseURL: stripe.baseURL))
        try await stripe.stop()
        let client = try await TestClient.start()
        let reply = await client.reply(to: try api.createPaymentIntent(intent("eff-9")))
        try await client.stop()
        guard case .notDelivered = reply,
            case .transient = StripeAPI.classifyPaymentIntentCreation(reply, effectID: "eff-9")
        else {
            Issue.record("a refused connection is not delivered and transient, got \(reply)")
            return
        }
    }

    @Test func aWrongKeyIsPermanent() async throws {
        try await withStripe { stripe, _, client in
            let wrong = StripeAPI(
                configuration: StripeConfiguration(secretKey: ProviderSecret("sk_test_wrong"), baseURL: stripe.baseURL))
            let outcome = StripeAPI.classifyPaymentIntentRetrieval(
                await client.reply(to: wrong.retrievePaymentIntent(id: "pi_x")))
            guard case .permanent(let message) = outcome else {
                Issue.record("401 is permanent")
                return
            }
            #expect(message.hasPrefix("Stripe refused the secret key"))
        }
    }
}
