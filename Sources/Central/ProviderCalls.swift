import EventLoop
import HTTP
import Integrations
import OrderDomain
import SyncCore

/// One attempt at an effect: the providers' requests (built by Integrations) sent through
/// central's curl-multi client on the loop, their answers classified by Integrations and mapped
/// onto what the ledger records. Runs in a task, never on the loop thread itself; nothing here
/// touches the database.
struct ProviderCalls: Sendable {
    let client: LoopBound<HTTPClient>
    let configuration: IntegrationsConfiguration
    let nowMillis: @Sendable () -> UInt64
    /// Per request, connect included.
    static let timeout: Duration = .seconds(30)

    func attempt(_ claimed: ClaimedEffect) async -> EffectAttempt {
        let effect = claimed.record
        switch effect.kind {
        case .paymentIntent:
            guard let stripe = configuration.stripe else { return .notConfigured(.stripe) }
            return await paymentIntent(effect, StripeAPI(configuration: stripe))
        case .refund:
            guard let stripe = configuration.stripe else { return .notConfigured(.stripe) }
            return await refund(effect, StripeAPI(configuration: stripe))
        case .shipment:
            guard let easyPost = configuration.easyPost else { return .notConfigured(.easyPost) }
            return await shipment(effect, EasyPostAPI(configuration: easyPost))
        case .purchase:
            guard let easyPost = configuration.easyPost else { return .notConfigured(.easyPost) }
            return await purchase(effect, EasyPostAPI(configuration: easyPost))
        case .mail:
            guard let sendGrid = configuration.sendGrid else { return .notConfigured(.sendGrid) }
            return await mail(claimed, SendGridAPI(configuration: sendGrid))
        }
    }

    /// Sends one request; never throws: a failure is a `ProviderReply` the classifiers read.
    func send(_ request: ProviderRequest) async -> ProviderReply {
        var headers = HTTPHeaders()
        for field in request.headers { headers.add(field.name, field.value) }
        let httpRequest = HTTPClientRequest(
            method: HTTPMethod(request.method.name), url: request.url, headers: headers, body: request.body,
            timeout: Self.timeout, acceptedStatuses: 100..<600)
        do {
            let response = try await client.response(for: httpRequest)
            return .answered(
                ProviderAnswer(status: response.status.code, headers: response.headers.fields, body: response.body))
        } catch {
            switch error.kind {
            case .connectionRefused, .hostNotFound, .tls, .invalidRequest:
                return .notDelivered(reason: error.message)
            default:
                return .answerLost(reason: error.message)
            }
        }
    }

    // MARK: Stripe

    private func paymentIntent(_ effect: EffectRecord, _ stripe: StripeAPI) async -> EffectAttempt {
        guard let amount = effect.integer("amount"), let code = effect.text("currency"),
            let currency = try? Currency(code: code)
        else {
            return .failed(message: "the order has no total to charge (no currency or items)")
        }
        if let first = effect.firstAttemptAt, effect.attempts > 1,
            StripeAPI.keyMayHaveExpired(firstAttempt: first / 1000, now: Int64(nowMillis() / 1000))
        {
            // Stripe may have pruned the key: a repeat could charge again, so look first.
            return await reconcile(
                .stripePaymentIntentForEffect(effectID: effect.id), effect, stripe, reason: "key age")
        }
        let request: ProviderRequest
        do {
            request = try stripe.createPaymentIntent(
                StripePaymentIntentCreation(
                    orderID: effect.orderID, effectID: effect.id, amount: Money(minorUnits: amount, currency: currency),
                    description: effect.text("order_number").map { "Order \($0)" },
                    receiptEmail: effect.text("customer_email"),
                    idempotencyKey: StripeAPI.idempotencyKey(effectID: effect.id, generation: effect.keyGeneration)))
        } catch {
            return .failed(message: error.description)
        }
        let reply = await send(request)
        CrashPoint.reached(.providerAnswered)
        switch StripeAPI.classifyPaymentIntentCreation(reply, effectID: effect.id) {
        case .succeeded(let intent): return .succeeded(Self.answer(intent))
        case .transient(let after, let reason): return .retry(after: after, message: reason)
        case .permanent(let message): return .failed(message: message)
        case .unknown(let reconciliation, let reason):
            return await reconcile(reconciliation, effect, stripe, reason: reason)
        }
    }

    private func refund(_ effect: EffectRecord, _ stripe: StripeAPI) async -> EffectAttempt {
        guard let intentID = effect.text("payment_intent") else {
            return .failed(message: "the order has no Stripe PaymentIntent to refund")
        }
        let request: ProviderRequest
        do {
            request = try stripe.createRefund(
                StripeRefundCreation(
                    orderID: effect.orderID, effectID: effect.id, paymentIntentID: intentID,
                    idempotencyKey: StripeAPI.idempotencyKey(effectID: effect.id, generation: effect.keyGeneration)))
        } catch {
            return .failed(message: error.description)
        }
        let reply = await send(request)
        CrashPoint.reached(.providerAnswered)
        switch StripeAPI.classifyRefundCreation(reply, paymentIntentID: intentID, effectID: effect.id) {
        case .succeeded(let refund): return .succeeded(.refund(id: refund.id, status: refund.status ?? "pending"))
        case .transient(let after, let reason): return .retry(after: after, message: reason)
        case .permanent(let message): return .failed(message: message)
        case .unknown(let reconciliation, let reason):
            return await reconcile(reconciliation, effect, stripe, reason: reason)
        }
    }

    /// After a 5xx (saved by Stripe under the key and replayed forever) or a key that may have
    /// expired: find the object by its `metadata[effect_id]`. Found: that is the answer. Not
    /// found: nothing was made, so the next attempt may use a new key.
    private func reconcile(
        _ reconciliation: ProviderReconciliation, _ effect: EffectRecord, _ stripe: StripeAPI, reason: String
    ) async -> EffectAttempt {
        switch reconciliation {
        case .stripePaymentIntentForEffect(let effectID):
            let since = (effect.firstAttemptAt ?? Int64(nowMillis())) / 1000 - 300
            var startingAfter: String?
            while true {
                let reply = await send(stripe.listPaymentIntents(createdSince: since, startingAfter: startingAfter))
                switch StripeAPI.classifyPaymentIntentList(reply) {
                case .succeeded(let page):
                    if let intent = page.intent(forEffect: effectID) { return .succeeded(Self.answer(intent)) }
                    guard page.hasMore, let last = page.data.last else {
                        return .retry(
                            after: nil, message: "\(reason); Stripe holds no PaymentIntent of this effect", newKey: true
                        )
                    }
                    startingAfter = last.id
                case .transient(let after, let listReason):
                    return .retry(after: after, message: "\(reason); reconciling: \(listReason)")
                case .permanent(let message), .unknown(_, let message):
                    return .unknown(message: "\(reason); reconciling failed: \(message)")
                }
            }
        case .stripeRefundForEffect(let intentID, let effectID):
            switch StripeAPI.classifyRefundList(await send(stripe.listRefunds(paymentIntentID: intentID))) {
            case .succeeded(let page):
                if let refund = page.refund(forEffect: effectID) {
                    return .succeeded(.refund(id: refund.id, status: refund.status ?? "pending"))
                }
                return .retry(after: nil, message: "\(reason); Stripe holds no refund of this effect", newKey: true)
            case .transient(let after, let listReason):
                return .retry(after: after, message: "\(reason); reconciling: \(listReason)")
            case .permanent(let message), .unknown(_, let message):
                return .unknown(message: "\(reason); reconciling failed: \(message)")
            }
        case .stripePaymentIntent(let id):
            switch StripeAPI.classifyPaymentIntentRetrieval(await send(stripe.retrievePaymentIntent(id: id))) {
            case .succeeded(let intent): return .succeeded(Self.answer(intent))
            case .transient(let after, let message): return .retry(after: after, message: message)
            case .permanent(let message), .unknown(_, let message): return .unknown(message: message)
            }
        case .easyPostShipment, .sendGridCannotAsk:
            return .unknown(message: reason)
        }
    }

    // MARK: EasyPost

    /// A shipment for the order's parcel. Creating buys nothing, so a lost answer is simply
    /// retried; the shipment's id is recorded with its rates before anything is bought.
    private func shipment(_ effect: EffectRecord, _ easyPost: EasyPostAPI) async -> EffectAttempt {
        guard let from = configuration.shop.fromAddress else {
            return .failed(message: "the shop's from-address (KCT_SHOP_FROM_ADDRESS_*) is not configured at central")
        }
        guard let addressText = effect.text("to_address") else {
            return .failed(message: "the order has no shipping address")
        }
        let to: PostalAddress
        do {
            to = try PostalAddress(
                orderAddressJSON: addressText, name: effect.text("customer_name") ?? "Customer", email: nil, phone: nil)
        } catch {
            return .failed(message: error.description)
        }
        var items: [(productName: String, quantity: Int)] = []
        if case .array(let entries)? = effect.parameters["items"] {
            for case .object(let item) in entries {
                if case .string(let name)? = item["product_name"], case .integer(let quantity)? = item["quantity"] {
                    items.append((name, Int(quantity)))
                }
            }
        }
        guard !items.isEmpty else { return .failed(message: "the order has no items to ship") }
        let request = easyPost.createShipment(
            EasyPostShipmentCreation(
                to: to, from: from, parcel: Parcel(items: items),
                reference: effect.text("order_number") ?? effect.orderID))
        let reply = await send(request)
        CrashPoint.reached(.providerAnswered)
        switch EasyPostAPI.classifyShipmentCreation(reply) {
        case .succeeded(let shipment): return .succeeded(.shipment(id: shipment.id, rates: Self.rates(shipment)))
        case .transient(let after, let reason): return .retry(after: after, message: reason)
        case .permanent(let message): return .failed(message: message)
        case .unknown(_, let reason): return .retry(after: nil, message: reason)
        }
    }

    /// Buys a rate of the order's recorded shipment, and only ever that shipment: a repeat
    /// after a lost answer finds `SHIPMENT.POSTAGE.EXISTS` and reads the label back.
    private func purchase(_ effect: EffectRecord, _ easyPost: EasyPostAPI) async -> EffectAttempt {
        guard let shipmentID = effect.text("shipment_id") else {
            return .failed(message: "the order has no EasyPost shipment yet: ask for rates first (kct shipping rates)")
        }
        guard let rateID = effect.text("rate_id") else { return .failed(message: "no rate id given") }
        let reply = await send(easyPost.buy(shipmentID: shipmentID, rateID: rateID))
        CrashPoint.reached(.providerAnswered)
        switch EasyPostAPI.classifyPurchase(reply, shipmentID: shipmentID) {
        case .succeeded(let shipment): return Self.label(shipment, rateID: rateID)
        case .transient(let after, let reason): return .retry(after: after, message: reason)
        case .permanent(let message): return .failed(message: message)
        case .unknown(_, let reason):
            // Bought or not: read the shipment back. A label means it was bought (by this or an
            // earlier attempt); none means buying that same shipment again is safe.
            switch EasyPostAPI.classifyShipmentRetrieval(await send(easyPost.retrieveShipment(id: shipmentID))) {
            case .succeeded(let shipment) where shipment.isPurchased: return Self.label(shipment, rateID: rateID)
            case .succeeded: return .retry(after: nil, message: "\(reason); the shipment has no label yet")
            case .transient(let after, let readReason): return .retry(after: after, message: "\(reason); \(readReason)")
            case .permanent(let message), .unknown(_, let message):
                return .unknown(message: "\(reason); reading the shipment back failed: \(message)")
            }
        }
    }

    static func rates(_ shipment: EasyPostShipment) -> [ShippingRate] {
        shipment.rates.compactMap { rate in
            guard let price = rate.price else { return nil }
            return ShippingRate(
                id: rate.id, carrier: rate.carrier, service: rate.service, amount: price.minorUnits,
                currency: price.currency.code, deliveryDays: rate.deliveryDays)
        }
    }

    static func label(_ shipment: EasyPostShipment, rateID: String) -> EffectAttempt {
        guard let url = shipment.labelURL, let tracking = shipment.trackingCode ?? shipment.tracker?.trackingCode else {
            return .unknown(message: "EasyPost's shipment \(shipment.id) is bought but has no label or tracking code")
        }
        let rate = shipment.selectedRate
        return .succeeded(
            .purchase(
                PurchasedLabel(
                    shipmentID: shipment.id, rateID: rate?.id ?? rateID, labelURL: url, trackingCode: tracking,
                    carrier: rate?.carrier ?? shipment.tracker?.carrier ?? "", service: rate?.service ?? "",
                    cost: rate?.price?.minorUnits ?? 0)))
    }

    // MARK: SendGrid

    /// Renders and sends one e-mail. SendGrid has no idempotency key: a send whose answer was
    /// lost (here, or because central stopped mid-call) is `unknown`, never silently repeated;
    /// the ledger applies `SendGridAPI.lostAnswerPolicy` (CentralStore.settle).
    private func mail(_ claimed: ClaimedEffect, _ sendGrid: SendGridAPI) async -> EffectAttempt {
        let effect = claimed.record
        if claimed.answerWasLost {
            return .unknown(
                message: "central stopped while SendGrid was being called; the e-mail may or may not have been sent")
        }
        guard let templateName = effect.text("template"), let template = CustomerEmail(rawValue: templateName) else {
            return .failed(message: "unknown e-mail template")
        }
        guard let to = effect.text("to") else { return .failed(message: "the order has no customer e-mail") }
        let rendered: RenderedEmail
        let mail: SendGridMail
        do {
            rendered = try Self.templates.get().render(
                template, facts: Self.emailFacts(effect, shop: configuration.shop))
            mail = try SendGridMail(
                effectID: effect.id, orderID: effect.orderID, email: rendered,
                to: SendGridMail.Recipient(email: to, name: Self.fact(effect, "customer_name")),
                shop: configuration.shop)
        } catch let error as EmailTemplateError {
            return .failed(message: error.description)
        } catch {
            return .failed(message: "\(error)")
        }
        let reply = await send(sendGrid.send(mail))
        CrashPoint.reached(.providerAnswered)
        switch SendGridAPI.classifySend(reply) {
        case .succeeded(let accepted):
            return .succeeded(.mail(messageID: accepted.messageID, subject: rendered.subject, text: rendered.text))
        case .transient(let after, let reason): return .retry(after: after, message: reason)
        case .permanent(let message): return .failed(message: message)
        case .unknown(_, let reason): return .unknown(message: reason)
        }
    }

    /// The embedded templates, parsed once per process.
    static let templates = Result { () throws(EmailTemplateError) -> EmailTemplates in try EmailTemplates() }

    static func fact(_ effect: EffectRecord, _ name: String) -> String? {
        if case .object(let facts)? = effect.parameters["facts"], case .string(let value)? = facts[name] {
            return value
        }
        return nil
    }

    static func emailFacts(_ effect: EffectRecord, shop: ShopConfiguration) throws -> EmailFacts {
        guard case .object(let facts)? = effect.parameters["facts"] else {
            throw ProviderError.invalidIntent("the e-mail has no order facts")
        }
        let currency = try Currency(code: fact(effect, "currency") ?? "USD")
        var total: Int64 = 0
        if case .integer(let amount)? = facts["total_amount"] { total = amount }
        var lines: [EmailFacts.Line] = []
        if case .array(let items)? = facts["items"] {
            for case .object(let item) in items {
                guard case .string(let name)? = item["product_name"], case .integer(let quantity)? = item["quantity"],
                    case .integer(let price)? = item["unit_price"]
                else { continue }
                let lineTotal = (try? Money(minorUnits: price, currency: currency).multiplied(by: Int(quantity)))
                lines.append(
                    EmailFacts.Line(
                        name: name, quantity: Int(quantity),
                        lineTotal: lineTotal ?? Money(minorUnits: 0, currency: currency)))
            }
        }
        return EmailFacts(
            shopName: shop.name, shopEmail: shop.replyToEmail ?? shop.fromEmail,
            customerName: fact(effect, "customer_name") ?? "customer", orderNumber: fact(effect, "order_number") ?? "",
            items: lines, orderTotal: Money(minorUnits: total, currency: currency),
            paymentAmount: Money(minorUnits: total, currency: currency), carrier: fact(effect, "carrier"),
            service: fact(effect, "service_type"), trackingCode: fact(effect, "tracking_code"),
            trackingURL: fact(effect, "tracking_url"), exceptionReason: fact(effect, "exception_reason"))
    }

    static func answer(_ intent: StripePaymentIntent) -> EffectAnswer {
        .paymentIntent(id: intent.id, status: intent.status, amount: intent.amount, currency: intent.currency)
    }
}
